"""The HTTP control surface, driven with a real aiohttp client against a running simulator."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from simulator import SimulatorServer
from tests.sim.conftest import MakeSim
from tests.sim.support import HELLO_PDU, HELLO_TPDU_LENGTH, command, read_until

pytestmark = pytest.mark.sim(control_port=0)  # the `sim` fixture with its HTTP control surface


async def _get(http: aiohttp.ClientSession, sim: SimulatorServer, route: str) -> Any:
    async with http.get(f"{sim.control_url}{route}") as response:
        assert response.status == 200
        return await response.json()


async def _post(
    http: aiohttp.ClientSession, sim: SimulatorServer, route: str, body: Any = None
) -> tuple[int, Any]:
    async with http.post(f"{sim.control_url}{route}", json=body) as response:
        return response.status, await response.json()


async def test_status_names_the_profile_link_and_counters(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    assert sim.control_url is not None
    assert sim.control_url.startswith("http://127.0.0.1:")
    status = await _get(http, sim, "/")
    assert status["profile"] == "generic"
    assert status["link"] == "memory"
    assert status["plugged"] is True
    assert status["connected"] is False
    assert status["counters"]["commands"] == 0
    stream = await sim.open_stream()
    await command(stream, b"AT")
    assert (await _get(http, sim, "/counters"))["commands"] == 1
    await stream.close()


async def test_an_injected_sms_is_stored_and_listed(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    status, body = await _post(http, sim, "/sms", {"sender": "+255700000009", "text": "Loan repaid"})
    assert status == 201
    assert body["counters"]["incoming"] == 1
    stream = await sim.open_stream()
    listing = await command(stream, b'AT+CMGF=1;+CMGL="ALL"')
    assert b"+255700000009" in listing
    assert b"Loan repaid" in listing
    await stream.close()


async def test_unplug_and_replug_over_http(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    stream = await sim.open_stream()
    assert await _post(http, sim, "/unplug") == (200, {"plugged": False})
    assert await stream.read() == b""
    assert (await _get(http, sim, "/"))["plugged"] is False
    status, body = await _post(http, sim, "/replug", {"reboot": False})
    assert (status, body["plugged"]) == (200, True)
    again = await sim.open_stream()
    assert b"OK" in await command(again, b"AT")
    await again.close()


async def test_submits_are_read_back_decoded(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    stream = await sim.open_stream()
    await command(stream, b"ATE0")
    await command(stream, b"AT+CMGS=%d" % HELLO_TPDU_LENGTH, token=b"> ")
    await stream.write(HELLO_PDU + b"\x1a")
    await read_until(stream, b"OK\r\n")
    [submit] = (await _get(http, sim, "/submits"))["submits"]
    assert submit["recipient"] == "+255700000001"
    assert submit["part_text"] == "hello"
    assert submit["tpdu_length"] == HELLO_TPDU_LENGTH
    messages = (await _get(http, sim, "/messages"))["messages"]
    assert messages == [{"recipient": "+255700000001", "text": "hello"}]
    await stream.close()


async def test_submits_can_be_awaited_instead_of_polled(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sim.control_url}/submits", params={"count": "1", "timeout": "0.05"}) as response:
        assert response.status == 504
        assert (await response.json())["error"]["message"] == "0 of 1 submits after 0.05 s"
    stream = await sim.open_stream()
    await command(stream, b"ATE0")

    async def send() -> None:
        await command(stream, b"AT+CMGS=%d" % HELLO_TPDU_LENGTH, token=b"> ")
        await stream.write(HELLO_PDU + b"\x1a")

    async with asyncio.TaskGroup() as group:
        waiting = group.create_task(_get(http, sim, "/submits?count=1&timeout=5"))
        group.create_task(send())
    [submit] = waiting.result()["submits"]
    assert submit["validity"] == 4 * 24 * 3600.0  # a timedelta, in seconds
    await stream.close()


async def test_stop_does_not_wait_for_a_waiting_request(
    make_sim: MakeSim, http: aiohttp.ClientSession
) -> None:
    sim = await make_sim(control_port=0)
    url = urlsplit(sim.control_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(b"GET /submits?count=1&timeout=60 HTTP/1.1\r\nHost: sim\r\n\r\n")
    await writer.drain()
    # A second request, answered after the first was read: the first one is now waiting.
    await _get(http, sim, "/counters")
    async with asyncio.timeout(10):  # far below the waiting request's own 60 s
        await sim.stop()
        answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    assert b"200 OK" not in answer  # it was cut short, not answered with a list


@pytest.mark.parametrize("query", ["count=-1", "count=x", "timeout=1e9", "timeout=nan"])
async def test_a_bad_wait_is_a_400(sim: SimulatorServer, http: aiohttp.ClientSession, query: str) -> None:
    async with http.get(f"{sim.control_url}/submits?{query}") as response:
        assert response.status == 400


async def test_faults_set_over_http_reach_the_wire(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    stream = await sim.open_stream()
    status, body = await _post(http, sim, "/faults", {"split_writes": [1], "command_latency": 0})
    assert status == 200
    assert body["faults"]["split_writes"] == [1]
    await stream.write(b"AT\r")
    assert await stream.read() == b"A"
    await read_until(stream, b"OK\r\n")
    await stream.close()


async def test_a_plan_is_accepted_by_outcome_name(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    status, body = await _post(
        http, sim, "/plan", {"recipient": "+255700000001", "outcome": "permanent_failure", "delay": 0.5}
    )
    assert (status, body) == (200, {"recipient": "+255700000001", "outcome": "PERMANENT_FAILURE"})


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("/sms", {"sender": "+255700000009"}, "text: is required"),
        ("/sms", {"sender": 255700000009, "text": "hi"}, "sender: must be a string"),
        ("/sms", ["not", "an", "object"], "JSON object"),
        ("/sms", {"sender": "not a number!!", "text": "hi"}, "neither a number"),
        ("/plan", {"recipient": "+255700000001", "outcome": "LOST_IN_SPACE"}, "unknown outcome"),
        ("/plan", {"recipient": "+255700000001", "outcome": "DELIVERED", "delay": -1}, "negative"),
        ("/plan", {"recipient": "+255700000001", "outcome": "DELIVERED", "delay": True}, "wrong type"),
        ("/plan", {"recipient": "+255700000001", "outcome": "DELIVERED", "delay": float("nan")}, "NaN"),
        ("/faults", {"sim_removed": True, "teleport": 1}, "unknown field(s) ['teleport']"),
        ("/faults", {"command_latency": -1}, "command_latency: must be"),
        ("/faults", {"split_writes": ["big"]}, "split_writes"),
        ("/replug", {"reboot": "yes"}, "wrong type"),
    ],
)
async def test_bad_input_is_a_400_and_changes_nothing(
    sim: SimulatorServer, http: aiohttp.ClientSession, route: str, body: Any, message: str
) -> None:
    before = sim.counters
    faults_before = sim.modem.faults.plan
    status, answer = await _post(http, sim, route, body)
    assert status == 400
    assert answer["error"]["type"] == "bad_request"
    assert message in answer["error"]["message"]
    assert sim.counters == before
    assert sim.modem.faults.plan == faults_before


async def test_a_body_that_is_not_json_is_a_400(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sim.control_url}/sms", data=b"\xff\xfe{") as response:
        assert response.status == 400
        assert "not JSON" in (await response.json())["error"]["message"]


async def test_the_control_surface_only_binds_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SimulatorServer(control_host="0.0.0.0", control_port=0)  # noqa: S104


async def test_stop_closes_the_control_port(make_sim: MakeSim, http: aiohttp.ClientSession) -> None:
    sim = await make_sim(control_port=0)
    url = sim.control_url
    await sim.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(f"{url}/"):
            pass
