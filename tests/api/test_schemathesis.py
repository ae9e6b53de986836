"""Schemathesis against the served API: no 5xx, and no answer that disagrees with ``/openapi.json``.

The API runs in a process of its own (``tests/api/fuzz_server.py``: a real SQLite store, a real
key, ``api/server.serve``), and schemathesis generates valid and invalid requests for every
operation of the document the server itself publishes. ``make test`` runs a bounded number of
cases per operation; ``make fuzz`` sets ``GSMGATEWAY_FUZZ_EXAMPLES`` to run many more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gsmgateway.api.openapi import build_document

EXAMPLES = int(os.environ.get("GSMGATEWAY_FUZZ_EXAMPLES", "25"))


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' 5xx check, except ``GET /ready``'s documented 503 (no modem runs here)."""
    if (case.operation.method.upper(), case.operation.path, response.status_code) == ("GET", "/ready", 503):
        return None
    result: bool | None = not_a_server_error(ctx, response, case)
    return result


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state_dir = tmp_path_factory.mktemp("fuzz")
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.api.fuzz_server", str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert child.stdout is not None
        hello = json.loads(child.stdout.readline())
        yield {"base": f"http://127.0.0.1:{hello['port']}", "key": hello["key"]}
    finally:
        child.terminate()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


# The document is built here as the app builds it (collection needs it before the server runs);
# test_the_served_document_is_the_one_fuzzed proves the server publishes exactly this one.
DOCUMENT = build_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_served_document_is_the_one_fuzzed(served: dict[str, Any]) -> None:
    with urllib.request.urlopen(f"{served['base']}/openapi.json") as response:  # noqa: S310 - loopback
        assert json.loads(response.read()) == json.loads(json.dumps(DOCUMENT))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_documented(case: Any, served: dict[str, Any]) -> None:
    case.call_and_validate(
        base_url=served["base"], headers={"Authorization": f"Bearer {served['key']}"}, checks=CHECKS
    )
