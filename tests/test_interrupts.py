"""Interrupted work leaves nothing behind (issue 17, item 8): scratch folders, exit 130, compact."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile

import duckdb
import pytest
from test_importers import GOOD, write_baci, write_dictionaries

import chokepoint
from chokepoint import scratch
from chokepoint.cli import main
from chokepoint.trade import baci


@pytest.fixture
def scratch_root(tmp_path, monkeypatch):
    """A private system temp folder, so leftovers are this test's own."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def baci_zip(tmp_path):
    folder = tmp_path / "baci"
    folder.mkdir()
    write_dictionaries(folder)
    write_baci(folder / "BACI_HS22_Y2022_V202501.csv", GOOD)
    archive = tmp_path / "BACI_HS22_V202501.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    return archive


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, duckdb.InterruptException])
def test_ctrl_c_during_a_zip_import_exits_130_and_leaves_nothing(db_path, baci_zip, scratch_root,
                                                                  monkeypatch, capsys, interrupt):
    with chokepoint.open(db_path) as wb:
        before = wb.store.checksums()
    seen = []

    def stop(store, *args, **kwargs):
        seen.extend(scratch_root.iterdir())  # the extracted CSVs are there at this point
        raise interrupt()
    monkeypatch.setattr(baci, "load", stop)
    assert main(["trade", "import-baci", str(baci_zip), "--db", str(db_path)]) == 130
    err = capsys.readouterr().err.strip()
    assert err.startswith("interrupted") and len(err.splitlines()) == 1
    assert seen and not list(scratch_root.iterdir())
    with chokepoint.open(db_path) as wb:
        assert wb.store.checksums() == before


def test_folders_of_killed_processes_are_swept(scratch_root):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = scratch_root / f"chokepoint-baci-{dead.pid}-abc"
    left.mkdir()
    (left / "BACI_HS22_Y2022_V202501.csv").write_bytes(b"x" * 1000)
    mine = scratch_root / "chokepoint-baci-1-live"  # pid 1 is alive: never touched
    mine.mkdir()
    other = scratch_root / "unrelated"
    other.mkdir()
    with scratch.folder("baci") as work:
        assert work.exists() and not left.exists()
    assert not work.exists() and mine.exists() and other.exists()


def test_sigterm_unwinds_like_ctrl_c(tmp_path):
    code = ("import os, signal, sys, time\n"
            "from chokepoint import scratch\n"
            "from chokepoint.cli import _terminate\n"
            "signal.signal(signal.SIGTERM, _terminate)\n"
            "try:\n"
            "    with scratch.folder('baci') as f:\n"
            "        print(f, flush=True); os.kill(os.getpid(), signal.SIGTERM); time.sleep(5)\n"
            "except KeyboardInterrupt:\n"
            "    sys.exit(130)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"TMPDIR": str(tmp_path), "PATH": ""})
    folder = proc.stdout.strip()
    assert proc.returncode == 130 and folder.startswith(str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_compact_reclaims_dead_space_and_keeps_every_row(db_path, capsys):
    with chokepoint.open(db_path) as wb:
        con = wb.store.con
        con.execute("BEGIN TRANSACTION")  # an import that writes a lot, then aborts: DuckDB has
        con.execute("CREATE TABLE big_import AS SELECT range AS i, md5(range::VARCHAR) AS pad "
                    "FROM range(1000000)")  # written the blocks already, and keeps them as free space
        con.execute("ROLLBACK")
        con.execute("CHECKPOINT")
        before = wb.store.checksums()
        before = wb.store.checksums()
    size = db_path.stat().st_size
    assert main(["data", "compact", "--db", str(db_path), "--format", "json"]) == 0
    assert db_path.stat().st_size < size * 0.6
    with chokepoint.open(db_path) as wb:
        assert wb.store.checksums() == before
        assert wb.store.count("schema_migrations") > 0
