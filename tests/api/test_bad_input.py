"""Every kind of bad request gets its own clear 4xx in the error envelope, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gsmgateway.api.error_responses import ERROR_TYPES
from gsmgateway.core.config_sections import LimitsConfig
from tests.api.conftest import Stack

GOOD = {"message": "Your loan is due", "clientId": "12"}
JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DUPLICATE = b'{"message": "a", "message": "b", "clientId": "12"}'
LONG_KEY = {"Idempotency-Key": "x" * 300}


def naive_tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")


def too_far() -> str:
    return (datetime.now(UTC) + timedelta(days=31)).isoformat()


CASES: list[tuple[str, Any, dict[str, str], int, str, str | None]] = [
    # (name, body (bytes = raw), extra headers, status, error type, field)
    ("malformed json", b'{"message": "x",', JSON, 400, "malformed_json", None),
    ("not utf-8", b'{"message": "\xff"}', JSON, 400, "malformed_json", None),
    ("empty body", b"", JSON, 400, "malformed_json", None),
    ("non-object body", [GOOD], {}, 400, "invalid_body", None),
    ("duplicate key", DUPLICATE, JSON, 400, "duplicate_field", "message"),
    ("unknown field", {**GOOD, "number": "+255700000001"}, {}, 400, "unknown_field", "number"),
    ("wrong type", {**GOOD, "message": ["x"]}, {}, 400, "invalid_type", "message"),
    ("empty message", {**GOOD, "message": "   "}, {}, 400, "empty_message", "message"),
    ("control character", {**GOOD, "message": "bell\x07"}, {}, 400, "invalid_characters", "message"),
    ("too many parts", {**GOOD, "message": "x" * 1000}, {}, 400, "message_too_long", "message"),
    ("no recipient", {"message": "x"}, {}, 400, "invalid_recipient", "clientId"),
    ("two recipients", {**GOOD, "staffId": "7"}, {}, 400, "invalid_recipient", "clientId"),
    ("naive sendAt", {**GOOD, "sendAt": naive_tomorrow()}, {}, 400, "missing_timezone", "sendAt"),
    ("sendAt beyond horizon", {**GOOD, "sendAt": too_far()}, {}, 400, "out_of_range", "sendAt"),
    ("unknown recipient", {**GOOD, "clientId": "4040"}, {}, 422, "unknown_recipient", "clientId"),
    ("opted out", {**GOOD, "clientId": "out"}, {}, 422, "recipient_opted_out", "clientId"),
    ("no number", {**GOOD, "clientId": "nonum"}, {}, 422, "recipient_without_number", "clientId"),
    ("bad idempotency key", GOOD, LONG_KEY, 400, "invalid_idempotency_key", "Idempotency-Key"),
    ("wrong content type", b"message=hi&clientId=12", TEXT, 415, "unsupported_media_type", None),
    ("form content type", b"message=hi", FORM, 415, "unsupported_media_type", None),
    ("body over 64 KiB", {**GOOD, "message": "x" * 70_000}, {}, 413, "body_too_large", None),
]  # fmt: skip


@pytest.fixture
async def sender(stack: Stack) -> tuple[Stack, dict[str, str]]:
    await stack.person("out", opted_out=True)
    await stack.person("nonum", None)
    return stack, await stack.key("sms:send,sms:read")


@pytest.mark.parametrize(
    ("name", "body", "headers", "status", "error_type", "field"), CASES, ids=[c[0] for c in CASES]
)
async def test_bad_submit_is_refused_and_stores_nothing(
    sender: tuple[Stack, dict[str, str]],
    name: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    error_type: str,
    field: str | None,
) -> None:
    stack, auth = sender
    before = stack.counts()
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    content = {"Content-Type": "application/json", **headers}
    response = await stack.client.post("/sms", data=data, headers={**auth, **content})
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert error["type"] == error_type
    assert error_type in ERROR_TYPES  # every type a caller can see is documented
    assert error.get("field") == field
    assert error["message"]
    assert stack.counts() == before


async def test_chunked_body_over_the_limit_is_413(sender: tuple[Stack, dict[str, str]]) -> None:
    stack, auth = sender

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"message": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'", "clientId": "12"}'

    before = stack.counts()
    response = await stack.client.post("/sms", data=chunks(), headers={**auth, **JSON})
    assert response.status == 413
    assert (await response.json())["error"]["type"] == "body_too_large"
    assert stack.counts() == before


@pytest.mark.parametrize(
    ("headers", "status", "error_type"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer gsk_not-a-key"}, 401, "unauthorized"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401, "unauthorized"),
        ({"Authorization": "Bearer "}, 401, "unauthorized"),
        ({"X-Api-Key": "gsk_wrong"}, 401, "unauthorized"),
    ],
)
async def test_missing_or_invalid_key_is_401(
    stack: Stack, headers: dict[str, str], status: int, error_type: str
) -> None:
    before = stack.counts()
    response = await stack.client.post("/sms", json=GOOD, headers=headers)
    assert response.status == status
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await response.json())["error"]["type"] == error_type
    assert stack.counts() == before


async def test_x_api_key_header_works_and_conflicting_keys_are_refused(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    key = auth["Authorization"].removeprefix("Bearer ")
    ok = await stack.client.post("/sms", json=GOOD, headers={"X-Api-Key": key})
    assert ok.status == 202
    other = await stack.key("sms:send", "other")
    mixed = await stack.client.post("/sms", json=GOOD, headers={**other, "X-Api-Key": key})
    assert mixed.status == 401


async def test_missing_scope_is_403_and_admin_has_every_scope(stack: Stack) -> None:
    reader = await stack.key("sms:read")
    before = stack.counts()
    response = await stack.client.post("/sms", json=GOOD, headers=reader)
    assert response.status == 403
    assert (await response.json())["error"]["type"] == "forbidden"
    assert stack.counts() == before
    sender = await stack.key("sms:send")
    assert (await stack.client.get("/sms", headers=sender)).status == 403
    assert (await stack.client.put("/clients/1", json={"mobile": "+1"}, headers=sender)).status == 403
    admin = await stack.key("admin")
    assert (await stack.client.post("/sms", json=GOOD, headers=admin)).status == 202
    assert (await stack.client.get("/sms", headers=admin)).status == 200


async def test_per_key_rate_limit_is_429_with_retry_after(make_stack: Any) -> None:
    stack: Stack = await make_stack(
        limits=LimitsConfig(per_key_per_second=1, per_key_burst=2, per_recipient_per_hour=0)
    )
    await stack.person("12")
    auth, other = await stack.key("sms:send"), await stack.key("sms:send", "other")
    statuses = [(await stack.client.post("/sms", json=GOOD, headers=auth)).status for _ in range(3)]
    assert statuses == [202, 202, 429]
    refused = await stack.client.post("/sms", json=GOOD, headers=auth)
    assert refused.headers["Retry-After"] == "1"
    assert (await refused.json())["error"]["type"] == "rate_limited"
    assert stack.counts()["messages"] == 2
    assert (await stack.client.post("/sms", json=GOOD, headers=other)).status == 202  # per key, not global
    stack.clock[0] += 1.0  # the injected clock: one second later one more token is there
    assert (await stack.client.post("/sms", json=GOOD, headers=auth)).status == 202


async def test_per_recipient_rate_limit_is_429_with_retry_after(make_stack: Any) -> None:
    stack: Stack = await make_stack(
        limits=LimitsConfig(per_key_per_second=0, per_recipient_per_hour=1, per_recipient_burst=1)
    )
    await stack.person("12")
    await stack.person("13", "+255712345613")  # the limit is per number: 13 needs a number of its own
    auth = await stack.key("sms:send")
    assert (await stack.client.post("/sms", json=GOOD, headers=auth)).status == 202
    refused = await stack.client.post("/sms", json=GOOD, headers=auth)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) > 3000  # one per hour
    assert (await stack.client.post("/sms", json={**GOOD, "clientId": "13"}, headers=auth)).status == 202
    batch = await stack.client.post("/sms/batch", json={"items": [GOOD]}, headers=auth)
    assert batch.status == 429
    assert "Retry-After" in batch.headers
    assert stack.counts()["messages"] == 2


async def test_unknown_routes_and_methods_answer_in_the_envelope(stack: Stack) -> None:
    missing = await stack.client.get("/nothing")
    assert missing.status == 404
    assert (await missing.json())["error"]["type"] == "not_found"
    wrong = await stack.client.delete("/sms")
    assert wrong.status == 405
    assert (await wrong.json())["error"]["type"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("query", "error_type", "field"),
    [
        ("limit=501", "out_of_range", "limit"),
        ("limit=x", "invalid_type", "limit"),
        ("status=lost", "invalid_value", "status"),
        ("phone=1", "unknown_field", "phone"),
        ("createdFrom=2030-01-01T00:00:00", "missing_timezone", "createdFrom"),
        ("createdFrom=2030-02-01T00:00:00Z&createdTo=2030-01-01T00:00:00Z", "invalid_range", "createdFrom"),
        ("clientId=1&staffId=2", "validation_error", "clientId"),
        ("cursor=garbage!!", None, "cursor"),
        # base64 of "2026-01-01T00:00:00+00:00|²" and of the same with an id past any BIGINT
        ("cursor=MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHzCsg", "invalid_cursor", "cursor"),
        ("cursor=MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OQ", "invalid_cursor", "cursor"),
    ],
)
async def test_bad_list_queries_are_400(stack: Stack, query: str, error_type: str | None, field: str) -> None:
    auth = await stack.key("sms:read")
    response = await stack.client.get(f"/sms?{query}", headers=auth)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error_type is None or error["type"] == error_type
    assert error["type"] in ERROR_TYPES
    assert error.get("field") == field
