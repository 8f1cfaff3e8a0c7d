"""Shared fixtures: a store built once per test session from the bundled data, copied per test, and
the bundled news gazetteer."""
from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

# CI explores the same examples on every run, so a landing never hinges on a lucky draw;
# locally hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

import chokepoint
from chokepoint.news.entities import Gazetteer


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """Path of a store built from the bundled reference data (built once, never modified)."""
    path = tmp_path_factory.mktemp("store") / "built.duckdb"
    with chokepoint.open(path) as wb:
        wb.build()
    return path


@pytest.fixture
def db_path(built_db, tmp_path):
    """A private, writable copy of the built store for one test."""
    path = tmp_path / "chokepoint.duckdb"
    shutil.copy(built_db, path)
    return path


@pytest.fixture
def wb(db_path):
    with chokepoint.open(db_path) as handle:
        yield handle


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The bundled news gazetteer, built once per test module."""
    return Gazetteer.bundled()


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run tests marked slow (the fuzz and "
                     "fault-injection suite: docs/reliability.md)")


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only with --slow, so `make test` stays quick."""
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow (docs/reliability.md)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
