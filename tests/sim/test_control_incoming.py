"""``POST /sms``: every kind of incoming SMS over the control surface, and every problem named at once."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simulator import SimulatorServer
from tests.sim.unit.oracle import decode_deliver

pytestmark = pytest.mark.sim(control_port=0)

LONG = "Ujumbe mrefu wa majaribio. " * 15  # 405 GSM-7 characters: three parts


async def _post(http: aiohttp.ClientSession, sim: SimulatorServer, body: Any) -> tuple[int, Any]:
    async with http.post(f"{sim.control_url}/sms", json=body) as response:
        return response.status, await response.json()


def _stored(sim: SimulatorServer) -> list[Any]:
    return [decode_deliver(m["pdu"]) for m in sim.storage()["SM"]["messages"]]


async def test_a_long_message_with_a_16_bit_reference_out_of_order_and_a_part_missing(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    body = {
        "sender": "0711000001",
        "national": True,
        "text": LONG,
        "reference": 4660,
        "reference_bits": 16,
        "parts": [3, 1],
        "sent": "2026-02-01T08:00:00+03:00",
    }
    status, answer = await _post(http, sim, body)
    assert status == 201, answer
    parts = _stored(sim)
    assert [(p.concat, p.reference_bits, p.toa) for p in parts] == [
        ((4660, 3, 3), 16, 0xA1),
        ((4660, 3, 1), 16, 0xA1),
    ]
    assert {p.scts for p in parts} == {"26020108000012"}


async def test_eight_bit_data_from_an_alphanumeric_sender(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    status, _ = await _post(http, sim, {"sender": "MyBank", "data_hex": "c0ffee00"})
    assert status == 201
    [message] = _stored(sim)
    assert (message.sender, message.dcs, message.text) == ("MyBank", 0x04, "c0ffee00")


async def test_ucs2_with_emoji(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    status, _ = await _post(http, sim, {"sender": "+255711000001", "text": "Sawa 😀"})
    assert status == 201
    assert [(m.dcs, m.text) for m in _stored(sim)] == [(0x08, "Sawa 😀")]


async def test_every_problem_is_named_and_nothing_is_delivered(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    body = {
        "sender": "+255711000001",
        "text": "x",
        "encoding": "morse",
        "reference_bits": True,
        "parts": [0],
        "sent": "yesterday",
        "colour": "red",
    }
    status, answer = await _post(http, sim, body)
    assert status == 400
    problems = answer["error"]["problems"]
    for start in ("unknown field(s) ['colour']", "encoding:", "reference_bits:", "parts[0]:", "sent:"):
        assert any(p.startswith(start) for p in problems), (start, problems)
    status, answer = await _post(http, sim, {"sender": "+255711000001", "text": LONG, "parts": [4]})
    assert status == 400
    assert "each of 1-3" in answer["error"]["message"]
    assert sim.counters["incoming"] == 0
    assert sim.storage()["SM"]["used"] == 0
