"""What issue 9 found in the public API, each case as a caller meets it.

Id types, cancel rights, the sendAt range, routes, opt-outs by number, the per-number limit (and
that a restart keeps it), and HTTP-level errors in the envelope.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from gsmgateway.api import create_app
from gsmgateway.api.server import serve
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import LimitsConfig
from gsmgateway.wiring import open_services
from tests.api.conftest import Stack, StoredModems


@pytest.mark.parametrize(
    ("sent", "shown"),
    [(3001, 3001), ("3001", 3001), ("007", "007"), ("A-12", "A-12"), (2**53, str(2**53))],
)
async def test_ids_come_back_as_numbers_where_they_are_numbers(stack: Stack, sent: Any, shown: Any) -> None:
    await stack.person(str(sent))
    auth = await stack.key("sms:send,sms:read")
    response = await stack.client.post("/sms", json={"message": "Hi", "clientId": sent}, headers=auth)
    assert response.status == 202
    assert (await response.json())["clientId"] == shown
    listed = await (await stack.client.get("/sms", params={"clientId": str(sent)}, headers=auth)).json()
    assert [item["clientId"] for item in listed["items"]] == [shown]


async def test_cancel_is_for_the_key_that_sent_and_shows_the_body_only_to_readers(stack: Stack) -> None:
    owner, other = await stack.key("sms:send", "owner"), await stack.key("sms:send", "other")
    reader, admin = await stack.key("sms:send,sms:read", "reader"), await stack.key("admin", "ops")
    ids = []
    for auth in (owner, owner, reader):
        created = await stack.client.post(
            "/sms", json={"message": "Secret PIN 1234", "clientId": "12"}, headers=auth
        )
        ids.append((await created.json())["id"])
    foreign = await stack.client.post(f"/sms/{ids[0]}/cancel", headers=other)
    assert foreign.status == 404  # not 200, not 409: another key's message does not exist for it
    assert "Secret" not in await foreign.text()
    mine = await stack.client.post(f"/sms/{ids[0]}/cancel", headers=owner)
    assert (mine.status, await mine.json()) == (200, {"id": ids[0], "status": "cancelled"})
    again = await stack.client.post(f"/sms/{ids[0]}/cancel", headers=other)
    assert again.status == 404  # a 409 here would tell "other" that message exists and is done
    with_body = await stack.client.post(f"/sms/{ids[2]}/cancel", headers=reader)
    assert (await with_body.json())["message"] == "Secret PIN 1234"
    assert (await stack.client.post(f"/sms/{ids[1]}/cancel", headers=admin)).status == 200


@pytest.mark.parametrize(
    "send_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1969-12-31T23:59:59Z"]
)
async def test_send_at_outside_1970_to_9999_utc_is_a_400(stack: Stack, send_at: str) -> None:
    auth = await stack.key("sms:send")
    response = await stack.client.post(
        "/sms", json={"message": "Later", "clientId": "12", "sendAt": send_at}, headers=auth
    )
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["type"], error["field"]) == ("out_of_range", "sendAt")
    assert error["message"] == "sendAt must lie between 1970-01-01 and 9999-12-31 UTC"
    assert stack.counts()["messages"] == 0


async def test_get_on_the_batch_route_is_405_not_a_message_lookup(stack: Stack) -> None:
    response = await stack.client.get("/sms/batch", headers=await stack.key("sms:read"))
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert (await response.json())["error"]["type"] == "method_not_allowed"


async def test_an_opt_out_holds_for_the_number_under_any_id(stack: Stack) -> None:
    await stack.person("13", "+255712000013", opted_out=True)
    await stack.person("14", "+255 712 000-013")  # the same phone under another client id
    auth = await stack.key("sms:send")
    refused = await stack.client.post("/sms", json={"message": "Hi", "clientId": "14"}, headers=auth)
    assert refused.status == 422
    assert (await refused.json())["error"]["type"] == "recipient_opted_out"
    batch = await stack.client.post(
        "/sms/batch", json={"items": [{"message": "Hi", "clientId": "14"}]}, headers=auth
    )
    assert batch.status == 422
    assert stack.counts()["messages"] == 0


async def test_the_recipient_limit_counts_per_number_and_survives_a_restart(make_stack: Any) -> None:
    limits = LimitsConfig(per_key_per_second=0, per_recipient_per_hour=2, per_recipient_burst=2)
    stack: Stack = await make_stack(limits=limits)
    await stack.person("21", "+255712000021")
    await stack.person("22", "00255 712 000 021")  # one phone, two ids
    auth = await stack.key("sms:send")
    for client_id in ("21", "22"):
        sent = await stack.client.post("/sms", json={"message": "Hi", "clientId": client_id}, headers=auth)
        assert sent.status == 202
    third = await stack.client.post("/sms", json={"message": "Hi", "clientId": "21"}, headers=auth)
    assert third.status == 429
    config = GatewayConfig(state_dir=str(stack.db_path.parent), limits=limits)
    await stack.services.close()
    restarted = await open_services(config)  # a new process would start exactly like this
    try:
        app = create_app(
            restarted.messages,
            restarted.directory,
            authenticate=restarted.authenticator.authenticate,
            modems=StoredModems(restarted.dispatch),
            config=config,
            inbound=restarted.inbound,
        )
        server = await serve(app, "127.0.0.1", 0)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            body = b'{"message": "Hi", "clientId": "22"}'
            writer.write(
                b"POST /sms HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + b"Authorization: " + auth["Authorization"].encode() + b"\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
            )  # fmt: skip
            answer = await reader.read()
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()
    finally:
        await restarted.close()
    assert answer.startswith(b"HTTP/1.1 429")


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /sms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gsk_TOPSECRET\x00KEY\r\n\r\n",
        b"GET /sms HTTP/1.1\r\nHost: x\r\nX-Pad: "
        + b"a" * 9000
        + b"\r\nAuthorization: Bearer gsk_TOPSECRET\r\n\r\n",
        b"GE T /sms HTTP/1.1\r\nAuthorization: Bearer gsk_TOPSECRET\r\n\r\n",
        b"GET /sms HTTP/1.1\r\nAuthorization : Bearer gsk_TOPSECRET\r\n\r\n",
    ],
)
async def test_requests_aiohttp_cannot_parse_get_the_envelope_and_no_credential_is_logged(
    stack: Stack, raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(
        stack.service,
        stack.directory,
        authenticate=stack.services.authenticator.authenticate,
        modems=StoredModems(stack.dispatch),
        config=GatewayConfig(),
        inbound=stack.services.inbound,
    )
    server = await serve(app, "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(raw)
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
    finally:
        await server.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400"
    assert b"Content-Type: application/json" in head
    assert body.startswith(b'{"error": {"type": "bad_request", "message": "the request is not valid HTTP/1.1')
    assert b"TOPSECRET" not in answer
    assert "TOPSECRET" not in caplog.text
    assert all(record.levelno < logging.ERROR for record in caplog.records)
