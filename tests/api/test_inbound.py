"""``/inbound`` over real HTTP: received SMS listed and read, numbers masked, scopes and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Stack
from tests.inbound import deliver_pdus, receive

ASHA = "+255712345678"  # client 12 in the default stack
STRANGER = "+255799000111"


async def get(stack: Stack, path: str, headers: dict[str, str], **query: str) -> tuple[int, Any]:
    response = await stack.client.get(path, headers=headers, params=query)
    return response.status, await response.json()


@pytest.fixture
async def received(stack: Stack) -> Stack:
    """Three received messages: from client 12, from an unknown number, and STOP from client 12."""
    await receive(stack.services, deliver_pdus("Nimelipa jana 🙏", sender=ASHA))
    await receive(stack.services, deliver_pdus("Who is this?", sender=STRANGER), modem="m2")
    await receive(stack.services, deliver_pdus("STOP", sender=ASHA))
    return stack


async def test_list_is_newest_first_with_sender_masked(received: Stack) -> None:
    auth = await received.key("inbound:read")
    status, body = await get(received, "/inbound", auth)
    assert status == 200
    assert [item["text"] for item in body["items"]] == ["STOP", "Who is this?", "Nimelipa jana 🙏"]
    first = body["items"][2]
    assert first["sender"] == "+*********678"
    assert first["match"] == {"status": "matched", "clientId": "12", "staffId": None, "source": "local",
                              "candidates": 1}  # fmt: skip
    assert (first["state"], first["encoding"], first["partCount"]) == ("complete", "ucs2", 1)
    assert body["nextCursor"] is None


async def test_numbers_need_the_read_numbers_scope(received: Stack) -> None:
    auth = await received.key("inbound:read,sms:read-numbers")
    _, body = await get(received, "/inbound", auth)
    assert {item["sender"] for item in body["items"]} == {ASHA, STRANGER}


@pytest.mark.parametrize(
    ("query", "texts"),
    [
        ({"clientId": "12"}, ["STOP", "Nimelipa jana 🙏"]),
        ({"match": "unmatched"}, ["Who is this?"]),
        ({"match": "matched", "modemId": "m1"}, ["STOP", "Nimelipa jana 🙏"]),
        ({"modemId": "m2"}, ["Who is this?"]),
        ({"staffId": "7"}, []),
        ({"state": "partial"}, []),
        ({"receivedFrom": "2999-01-01T00:00:00Z"}, []),
        ({"receivedTo": "2999-01-01T00:00:00+03:00"}, ["STOP", "Who is this?", "Nimelipa jana 🙏"]),
    ],
)
async def test_filters(received: Stack, query: dict[str, str], texts: list[str]) -> None:
    auth = await received.key("inbound:read")
    status, body = await get(received, "/inbound", auth, **query)
    assert status == 200
    assert [item["text"] for item in body["items"]] == texts


async def test_cursor_pages_through_everything_once(received: Stack) -> None:
    auth = await received.key("inbound:read")
    seen: list[int] = []
    query = {"limit": "2"}
    while True:
        _, body = await get(received, "/inbound", auth, **query)
        seen += [item["id"] for item in body["items"]]
        if body["nextCursor"] is None:
            break
        query = {"limit": "2", "cursor": body["nextCursor"]}
    assert sorted(seen) == [1, 2, 3]
    assert len(seen) == 3


async def test_detail_names_the_directory_change_of_a_keyword(received: Stack) -> None:
    auth = await received.key("inbound:read")
    _, page = await get(received, "/inbound", auth)
    stop_id = page["items"][0]["id"]
    status, body = await get(received, f"/inbound/{stop_id}", auth)
    assert status == 200
    assert (body["keyword"], body["keywordResult"], body["missingParts"]) == ("opt_out", "applied", [])
    assert body["directoryChange"]["kind"] == "client"
    assert body["directoryChange"]["id"] == "12"
    assert body["directoryChange"]["change"] == "opted_out"
    sms = await received.key("sms:send")
    refused = await received.client.post("/sms", json={"message": "Reminder", "clientId": "12"}, headers=sms)
    assert refused.status == 422
    assert (await refused.json())["error"]["type"] == "recipient_opted_out"


async def test_scope_and_unknown_ids(received: Stack) -> None:
    status, _ = await get(received, "/inbound", await received.key("sms:read"))
    assert status == 403
    status, _ = await get(received, "/inbound", {})
    assert status == 401
    auth = await received.key("inbound:read")
    for bad in ("999", "0", "abc", "1e3", "-1"):
        status, body = await get(received, f"/inbound/{bad}", auth)
        assert status == 404, bad
        assert body["error"]["type"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"match": "maybe"},
        {"state": "done"},
        {"receivedFrom": "2026-01-01T00:00:00"},  # no zone
        {"receivedFrom": "2026-02-01T00:00:00Z", "receivedTo": "2026-01-01T00:00:00Z"},
        {"clientId": "12", "staffId": "7"},
        {"cursor": "not-a-cursor"},
        {"sender": "+255712345678"},  # no endpoint takes a phone number
    ],
)
async def test_bad_queries_are_400(received: Stack, query: dict[str, str]) -> None:
    status, body = await get(received, "/inbound", await received.key("inbound:read"), **query)
    assert status == 400
    assert body["error"]["message"]
