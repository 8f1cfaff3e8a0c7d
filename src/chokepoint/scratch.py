"""Scratch folders for imports: removed on any exit, and leftovers of killed runs swept.

A folder is named `chokepoint-KIND-PID-*` in the system temp folder. It goes when the
`folder()` block ends, normally or by an exception (Ctrl-C and SIGTERM included, see
`chokepoint.cli`). A SIGKILL cannot be caught, so `sweep()` — run whenever a new folder is
made and by `chokepoint data compact` — removes folders whose process no longer exists.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "chokepoint-"
_NAME = re.compile(rf"^{PREFIX}[a-z]+-(\d+)-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep(root: str | Path | None = None) -> int:
    """Remove scratch folders left by processes that are gone; returns the bytes freed."""
    freed = 0
    base = Path(root or tempfile.gettempdir())
    for entry in base.glob(f"{PREFIX}*"):
        m = _NAME.match(entry.name)
        if m and entry.is_dir() and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            freed += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
            shutil.rmtree(entry, ignore_errors=True)
    return freed


@contextmanager
def folder(kind: str) -> Iterator[Path]:
    """A fresh scratch folder for one job, removed when the block ends, however it ends."""
    sweep()
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
