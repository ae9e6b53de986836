"""Every bad request to the running daemon gets its own 4xx in the error envelope, and nothing is stored.

"Nothing stored" is checked the way the platform could check it: ``GET /sms`` lists the same message
ids before and after, and the simulator has taken no new submit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.system.clients import GatewayClient, SimulatorControl
from tests.system.conftest import SYSTEM
from tests.system.stack import NO_NUMBER_ID, OPTED_OUT_ID, Stack

GOOD = {"message": "Your loan is due", "clientId": "140"}

pytestmark = SYSTEM


def naive_tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")


def beyond_horizon() -> str:
    return (datetime.now(UTC) + timedelta(days=31)).isoformat()


CASES: list[tuple[str, Any, int, str, str | None]] = [
    # (name, body (bytes: sent raw), status, error type, field)
    ("malformed json", b'{"message": "x",', 400, "malformed_json", None),
    ("not utf-8", b'{"message": "\xff"}', 400, "malformed_json", None),
    ("empty body", b"", 400, "malformed_json", None),
    ("not an object", [GOOD], 400, "invalid_body", None),
    ("unknown field", {**GOOD, "number": "+255700000001"}, 400, "unknown_field", "number"),
    ("wrong type", {**GOOD, "clientId": ["140"]}, 400, "invalid_type", "clientId"),
    ("message not a string", {**GOOD, "message": ["x"]}, 400, "invalid_type", "message"),
    ("empty message", {**GOOD, "message": ""}, 400, "empty_message", "message"),
    ("blank message", {**GOOD, "message": " \n "}, 400, "empty_message", "message"),
    ("control character", {**GOOD, "message": "ring\x07"}, 400, "invalid_characters", "message"),
    ("escape character", {**GOOD, "message": "\x1b[31mred"}, 400, "invalid_characters", "message"),
    ("too many parts", {**GOOD, "message": "x" * 1000}, 400, "message_too_long", "message"),
    ("no recipient", {"message": "x"}, 400, "invalid_recipient", "clientId"),
    ("two recipients", {**GOOD, "staffId": "7"}, 400, "invalid_recipient", "clientId"),
    ("sendAt without time zone", {**GOOD, "sendAt": naive_tomorrow()}, 400, "missing_timezone", "sendAt"),
    ("sendAt beyond horizon", {**GOOD, "sendAt": beyond_horizon()}, 400, "out_of_range", "sendAt"),
    ("unknown recipient", {**GOOD, "clientId": "4040"}, 422, "unknown_recipient", "clientId"),
    ("unknown staff member", {"message": "x", "staffId": "4040"}, 422, "unknown_recipient", "staffId"),
    ("opted out", {**GOOD, "clientId": OPTED_OUT_ID}, 422, "recipient_opted_out", "clientId"),
    ("no number", {**GOOD, "clientId": NO_NUMBER_ID}, 422, "recipient_without_number", "clientId"),
    ("body over 64 KiB", {**GOOD, "message": "x" * 70_000}, 413, "body_too_large", None),
]  # fmt: skip


async def nothing_new(gateway: GatewayClient, sim: SimulatorControl) -> tuple[list[int], int]:
    """Return what a refused request must not change: the listed message ids, the modem's submits."""
    return await gateway.newest_ids(), len(await sim.submits())


@pytest.mark.parametrize(("name", "body", "status", "error_type", "field"), CASES, ids=[c[0] for c in CASES])
async def test_bad_submit_gets_its_4xx_and_stores_nothing(
    gateway: GatewayClient,
    sim: SimulatorControl,
    name: str,
    body: Any,
    status: int,
    error_type: str,
    field: str | None,
) -> None:
    before = await nothing_new(gateway, sim)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = await gateway.request("POST", "/sms", data=raw)
    assert reply.status == status, reply
    error = reply.body["error"]
    assert error["type"] == error_type, error
    assert error.get("field") == field, error
    assert error["message"]
    assert await nothing_new(gateway, sim) == before


@pytest.mark.parametrize(
    "auth",
    [{}, {"Authorization": "Bearer gsk_not-a-real-key"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing key", "invalid key", "wrong scheme"],
)
async def test_missing_or_invalid_key_is_401(
    gateway: GatewayClient, sim: SimulatorControl, auth: dict[str, str]
) -> None:
    before = await nothing_new(gateway, sim)
    reply = await gateway.request("POST", "/sms", json=GOOD, anonymous=True, headers=auth)
    assert reply.status == 401, reply
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.body["error"]["type"] == "unauthorized"
    assert (await gateway.request("GET", "/sms", anonymous=True, headers=auth)).status == 401
    assert await nothing_new(gateway, sim) == before


async def test_missing_scope_is_403(gateway: GatewayClient, sim: SimulatorControl, shared: Stack) -> None:
    before = await nothing_new(gateway, sim)
    refused = await gateway.request("POST", "/sms", json=GOOD, key=shared.read_only_key)
    assert refused.status == 403, refused
    assert refused.body["error"]["type"] == "forbidden"
    listing = await gateway.request("GET", "/sms", key=shared.send_only_key)
    assert listing.status == 403, listing
    directory = await gateway.request(
        "PUT", "/clients/1", json={"mobile": "+255700000001"}, key=shared.send_only_key
    )
    assert directory.status == 403, directory
    assert await nothing_new(gateway, sim) == before


async def test_bad_batch_is_refused_whole_with_per_item_errors(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    before = await nothing_new(gateway, sim)
    items = [GOOD, {**GOOD, "message": ""}, {**GOOD, "clientId": "141"}]
    reply = await gateway.request("POST", "/sms/batch", json={"items": items})
    assert reply.status == 400, reply
    indexed = reply.body["error"]["items"]
    assert [item["index"] for item in indexed] == [1]
    assert await nothing_new(gateway, sim) == before


async def test_per_recipient_rate_limit_is_429_with_retry_after(
    gateway: GatewayClient, sim: SimulatorControl
) -> None:
    """The shared installation allows a burst of 3 messages per recipient, then one per hour."""
    accepted = [await gateway.accepted(f"Instalment {n} received.", clientId="150") for n in range(3)]
    before = await nothing_new(gateway, sim)
    refused = await gateway.send("Instalment 4 received.", clientId="150")
    assert refused.status == 429, refused
    assert refused.body["error"]["type"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await gateway.newest_ids())[0] == before[0][0]
    for message in accepted:  # the accepted ones still go out
        await gateway.wait_for(message["id"], "delivered")
    assert len(await gateway.list_all("clientId=150")) == 3
