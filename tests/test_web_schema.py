"""Property-based run of the JSON API against its own OpenAPI schema: no input gives a 5xx.

Schemathesis generates the requests from the schema; hypothesis drives them per operation.
(Its pytest plugin does not run under pytest 9 yet, so the operations are parametrised here.)
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from chokepoint.web import create_app
from test_web_app import make_store

OPERATIONS = ["GET /api/overview", "GET /api/materials", "GET /api/material/{material}", "GET /api/scenarios",
              "GET /api/scenarios/{name}", "POST /api/runs", "DELETE /api/runs/{job_id}", "GET /api/jobs/{job_id}",
              "GET /api/runs/{run_id}", "POST /api/plans", "GET /api/plans", "GET /api/plans/{run_id}",
              "GET /api/news/events", "GET /api/news/tilt", "GET /api/news/duplicates", "GET /api/news/claims",
              "GET /api/news/signals"]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "web.duckdb"
    make_store(path)
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(path))


def test_the_schema_lists_every_operation(api_schema):
    assert sorted(r.ok().label for r in api_schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_errors(api_schema, label):
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def check(data):
        case = data.draw(operation.as_strategy())
        case.call_and_validate(checks=[not_a_server_error])

    check()
