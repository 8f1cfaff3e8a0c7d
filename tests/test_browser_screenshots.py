"""Screenshots of every page on the bundled store, for docs/screenshots (run on demand).

CHOKEPOINT_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/test_browser_screenshots.py
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import chokepoint
from test_web_app import FIXTURES
from test_browser import Watched, browser, context, live_server  # noqa: F401  (fixtures)

OUT = os.environ.get("CHOKEPOINT_SCREENSHOTS")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set CHOKEPOINT_SCREENSHOTS=DIR to write page screenshots")]


def _store_with_run(src: Path, dst: Path) -> None:
    """A copy of the bundled store with a cn-ree-6m run and the fixture news, where those APIs exist."""
    shutil.copy(src, dst)
    with chokepoint.open(dst) as wb:
        try:
            if "cn-ree-6m" in wb.chain.scenarios():
                wb.chain.run("cn-ree-6m", country="KOR", engine="fast")
            wb.news.ingest(sorted(FIXTURES.iterdir()))
        except ModuleNotFoundError:
            pass  # a page whose API is missing shows 'not available yet', and so does its screenshot


def test_screenshots(context, built_db, tmp_path):  # noqa: F811
    path = tmp_path / "shots.duckdb"
    _store_with_run(built_db, path)
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    with chokepoint.open(path, read_only=True) as wb:
        runs = wb.chain.runs() if "run" in wb.store.tables() else None
    run_id = runs["run_id"].iloc[0] if runs is not None and len(runs) else None
    pages = {"overview": "/?country=KOR", "material": "/material?m=lithium&country=KOR",
             "scenario": f"/scenario?country=KOR&name=cn-ree-6m{f'&run={run_id}' if run_id else ''}",
             "news": "/news?country=KOR"}
    with live_server(path) as base:
        w = Watched(context, base)
        try:
            for name, url in pages.items():
                w.page.goto(base + url, wait_until="networkidle")
                w.page.wait_for_timeout(500)
                w.page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        finally:
            w.close()
    assert w.errors == [] and w.offhost == []
