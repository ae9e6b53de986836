"""``GET /inbound`` filters that must pick some rows and leave others: staffId, receivedFrom/To.

``tests/api/test_inbound.py`` checks most filters; these two need rows on both sides of the line.
The time bounds are taken from the ``receivedAt`` the API itself shows, as a client paging by time
would: ``receivedFrom`` includes that instant, ``receivedTo`` excludes it (the OpenAPI descriptions).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.api.conftest import Stack
from tests.inbound import deliver_pdus, receive

CLIENT = "+255712345678"  # client 12 in the default stack
STAFF = "+255700000007"  # staff member 7 in the default stack
EAT = timezone(timedelta(hours=3))  # East Africa Time, as a Tanzanian client writes its clock


@pytest.fixture
async def received(stack: Stack) -> dict[str, dict[str, Any]]:
    """One message each from client 12, staff member 7, and staff member 7 again; by text."""
    await receive(stack.services, deliver_pdus("Malipo yamefika", sender=CLIENT))
    await receive(stack.services, deliver_pdus("Ofisi imefungwa leo", sender=STAFF))
    await receive(stack.services, deliver_pdus("Nimefika tawini", sender=STAFF), modem="m2")
    status, body = await listing(stack)
    assert status == 200
    return {item["text"]: item for item in body["items"]}


async def listing(stack: Stack, **query: str) -> tuple[int, Any]:
    auth = await stack.key("inbound:read")
    response = await stack.client.get("/inbound", headers=auth, params=query)
    return response.status, await response.json()


async def texts(stack: Stack, **query: str) -> list[str]:
    status, body = await listing(stack, **query)
    assert status == 200, body
    return [item["text"] for item in body["items"]]


async def test_staff_id_lists_the_staff_members_messages_only(
    stack: Stack, received: dict[str, dict[str, Any]]
) -> None:
    assert received["Ofisi imefungwa leo"]["match"]["staffId"] == "7"
    assert await texts(stack, staffId="7") == ["Nimefika tawini", "Ofisi imefungwa leo"]
    assert await texts(stack, staffId="7", modemId="m1") == ["Ofisi imefungwa leo"]
    assert await texts(stack, staffId="12") == []  # 12 is a client, not a staff member
    assert await texts(stack, clientId="7") == []  # and 7 a staff member, not a client


async def test_received_from_and_to_split_the_list_at_an_instant(
    stack: Stack, received: dict[str, dict[str, Any]]
) -> None:
    first, middle, last = (
        datetime.fromisoformat(received[text]["receivedAt"])
        for text in ("Malipo yamefika", "Ofisi imefungwa leo", "Nimefika tawini")
    )
    assert first < middle < last
    assert await texts(stack, receivedFrom=middle.isoformat()) == ["Nimefika tawini", "Ofisi imefungwa leo"]
    assert await texts(stack, receivedTo=middle.isoformat()) == ["Malipo yamefika"]
    window = {"receivedFrom": middle.isoformat(), "receivedTo": last.isoformat()}
    assert await texts(stack, **window) == ["Ofisi imefungwa leo"]
    in_eat = {"receivedFrom": middle.astimezone(EAT).isoformat()}  # the same instant, another zone
    assert await texts(stack, **in_eat) == ["Nimefika tawini", "Ofisi imefungwa leo"]
    assert await texts(stack, receivedFrom=(last + timedelta(microseconds=1)).isoformat()) == []
