"""The whole fault plan set over HTTP (``POST /faults``) and seen in what the device then does."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from simulator import MemoryStream, SimulatorServer
from simulator.faults.plan_json import fault_plan_to_json
from simulator.profiles import Memory
from tests.sim.support import HELLO_PDU, HELLO_TPDU_LENGTH, command, read_until

pytestmark = pytest.mark.sim(control_port=0)  # the `sim` fixture with its HTTP control surface

#: The number HELLO_PDU is addressed to.
HELLO_RECIPIENT = "+255700000001"


@pytest.fixture
async def stream(sim: SimulatorServer) -> AsyncIterator[MemoryStream]:
    """Open a client with echo off and numeric errors, so every read is the response alone."""
    opened = await sim.open_stream()
    await command(opened, b"ATE0+CMEE=1")
    yield opened
    await opened.close()


async def set_faults(http: aiohttp.ClientSession, sim: SimulatorServer, plan: Any) -> tuple[int, Any]:
    async with http.post(f"{sim.control_url}/faults", json=plan) as response:
        return response.status, await response.json()


async def install(http: aiohttp.ClientSession, sim: SimulatorServer, plan: dict[str, Any]) -> None:
    status, body = await set_faults(http, sim, plan)
    assert status == 200, body


#: A final result code, so a read knows the command is over.
FINAL = re.compile(rb"(OK|ERROR|\+CM[SE] ERROR: \d+)\r\n")


async def send_hello(stream: MemoryStream) -> bytes:
    """Submit HELLO_PDU; return what came back, up to the final result (even one before the prompt)."""
    await stream.write(b"AT+CMGS=%d\r" % HELLO_TPDU_LENGTH)
    received = await read_until(stream, re.compile(rb"> |" + FINAL.pattern))
    if received.endswith(b"> "):
        await stream.write(HELLO_PDU + b"\x1a")
        received += await read_until(stream, FINAL)
    return received


async def test_a_cms_error_on_the_nth_send(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"send_errors": [{"code": 332, "nth_send": 2}]})
    assert b"+CMGS: " in await send_hello(stream)
    assert b"+CMS ERROR: 332" in await send_hello(stream)
    assert b"+CMGS: " in await send_hello(stream)
    assert len(sim.submits) == 2  # the refused one left nothing behind


async def test_a_cme_error_for_one_recipient_only(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"send_errors": [{"code": 30, "family": "cme", "recipient": "+255799999999"}]})
    assert b"+CMGS: " in await send_hello(stream)
    await install(http, sim, {"send_errors": [{"code": 30, "family": "cme", "recipient": HELLO_RECIPIENT}]})
    assert b"+CME ERROR: 30" in await send_hello(stream)


async def test_a_silenced_command_is_not_answered_but_the_next_one_is(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"silences": [{"command": "+CSQ", "nth": 1}]})
    await stream.write(b"AT+CSQ\r")
    answer = await command(stream, b"AT+CGMI")
    assert b"+CSQ" not in answer
    assert answer.count(b"OK\r\n") == 1
    assert b"+CSQ: " in await command(stream, b"AT+CSQ")  # only the first one was silenced


async def test_a_silence_forever_hangs_the_firmware_until_the_plan_changes(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"silences": [{"command": "+CSQ", "forever": True}]})
    await stream.write(b"AT+CSQ\r")
    await stream.write(b"AT\r")
    with pytest.raises(TimeoutError):  # a negative check: nothing may come at all
        await read_until(stream, b"OK", timeout=0.3)
    assert sim.modem.faults.hung
    await install(http, sim, {})
    assert b"OK\r\n" in await command(stream, b"AT")


async def test_a_silence_after_the_pdu_accepts_the_sms_but_never_says_so(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"silences": [{"command": "+CMGS", "nth": 1, "stage": "after_pdu"}]})
    await command(stream, b"AT+CMGS=%d" % HELLO_TPDU_LENGTH, token=b"> ")
    await stream.write(HELLO_PDU + b"\x1a")
    async with http.get(f"{sim.control_url}/submits?count=1&timeout=5") as response:
        assert response.status == 200  # the network has it
    answer = await command(stream, b"AT")
    assert b"+CMGS" not in answer
    assert answer.count(b"OK\r\n") == 1


@pytest.mark.parametrize(
    ("junk", "line", "expected"),
    [
        ({"data_hex": "fffe00", "command": ""}, b"AT", b"\xff\xfe\x00\r\nOK\r\n"),
        ({"data_hex": "81", "command": "+CSQ", "placement": "inside"}, b"AT+CSQ", b"\r\n+C\x81SQ: "),
    ],
)
async def test_junk_before_or_inside_a_response(
    sim: SimulatorServer,
    stream: MemoryStream,
    http: aiohttp.ClientSession,
    junk: dict[str, Any],
    line: bytes,
    expected: bytes,
) -> None:
    await install(http, sim, {"junk": [junk]})
    assert expected in await command(stream, line)
    assert b"\x81" not in await command(stream, b"AT+CGMI")  # other commands are clean


async def test_a_urc_inside_a_response(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"urcs_in_response": [{"urc": '+CMTI: "SM",7', "command": "+CSQ"}]})
    answer = await command(stream, b"AT+CSQ")
    assert answer.index(b"+CSQ: ") < answer.index(b'+CMTI: "SM",7') < answer.index(b"OK\r\n")


async def test_a_network_outage_for_a_span_of_commands(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    outage = {"start_command": 1, "end_command": 3, "state": 3}
    await install(http, sim, {"network_outage": outage})
    assert b"+CREG: 0,3" in await command(stream, b"AT+CREG?")  # command 1
    assert b"+CMS ERROR: 331" in await send_hello(stream)  # command 2
    assert b"+CREG: 0,1" in await command(stream, b"AT+CREG?")  # command 3: service is back


async def test_storage_full_fills_the_sim(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"storage_full": ["SM"]})
    answer = await command(stream, b"AT+CPMS?")
    used, total = answer.split(b'"SM",')[1].split(b",")[:2]
    assert int(used) == int(total) == sim.profile.capacities[Memory.SM]


async def test_a_removed_sim_and_a_weak_signal(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"sim_removed": True, "signal_rssi": 7})
    assert b"+CME ERROR: 10" in await command(stream, b"AT+CPIN?", token=b"ERROR")
    assert b"+CSQ: 7,99" in await command(stream, b"AT+CSQ")
    await install(http, sim, {})
    assert b"+CPIN: READY" in await command(stream, b"AT+CPIN?")


async def test_latency_and_network_delay_hold_the_answer_back(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"command_latency": 0.2, "network_delay": 0.3})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await command(stream, b"AT")
    # Lower bounds only: the fault must be there; how fast the machine is, is not asserted.
    assert loop.time() - started >= 0.2
    started = loop.time()
    assert b"+CMGS: " in await send_hello(stream)
    assert loop.time() - started >= 0.3


async def test_split_writes(sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession) -> None:
    await install(http, sim, {"split_writes": [1, 2]})
    await stream.write(b"AT\r")
    assert [await stream.read() for _ in range(3)] == [b"\r", b"\nO", b"K"]
    await read_until(stream, b"\r\n")


async def test_an_unplug_after_n_commands(
    sim: SimulatorServer, stream: MemoryStream, http: aiohttp.ClientSession
) -> None:
    await install(http, sim, {"unplug_after_commands": 2})
    await command(stream, b"AT")
    await stream.write(b"AT\r")
    async with asyncio.timeout(5):
        while await stream.read():  # the cable is pulled after the second command
            pass
    async with http.get(f"{sim.control_url}/") as response:
        status = await response.json()
    assert status["plugged"] is False
    assert status["counters"]["auto_unplugs"] == 1


RICH_PLAN: dict[str, Any] = {
    "command_latency": 0.5,
    "network_delay": 1.5,
    "silences": [{"command": "+CMGS", "nth": 2, "forever": False, "stage": "after_pdu"}],
    "junk": [{"data_hex": "00ff", "placement": "inside", "command": "+CSQ", "nth": None}],
    "urcs_in_response": [{"urc": "RING", "command": None, "nth": 3}],
    "send_errors": [{"code": 21, "family": "cms", "nth_send": None, "recipient": "+255700000002"}],
    "storage_full": ["ME", "SM"],
    "network_outage": {"start_command": 2, "end_command": None, "state": 2},
    "sim_removed": False,
    "signal_rssi": 99,
    "split_writes": [3, 1],
    "baud_rate": 9600,
    "unplug_after_commands": 50,
}


async def test_the_plan_is_echoed_and_read_back_in_the_shape_it_was_sent(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    status, body = await set_faults(http, sim, RICH_PLAN)
    assert (status, body["faults"]) == (200, RICH_PLAN)
    async with http.get(f"{sim.control_url}/faults") as response:
        assert (await response.json())["faults"] == RICH_PLAN
    assert fault_plan_to_json(sim.modem.faults.plan) == RICH_PLAN
    await install(http, sim, {})
    async with http.get(f"{sim.control_url}/faults") as response:
        cleared = (await response.json())["faults"]
    assert cleared["send_errors"] == []
    assert cleared["network_outage"] is None


@pytest.mark.parametrize(
    ("plan", "problems"),
    [
        ({"teleport": 1}, ["unknown field(s) ['teleport']"]),
        (["send_errors"], ["must be a JSON object"]),
        ({"command_latency": True}, ["command_latency: must be a number"]),
        ({"command_latency": -1}, ["command_latency: must be a number"]),
        ({"send_errors": [{"nth_send": 1}]}, ["send_errors[0].code: is required"]),
        ({"send_errors": [{"code": 1.0}]}, ["send_errors[0].code: must be a whole number"]),
        ({"send_errors": [{"code": 21, "recipient": "mum"}]}, ["send_errors[0].recipient: must be a phone"]),
        ({"send_errors": {"code": 21}}, ["send_errors: must be a JSON array"]),
        ({"silences": [{"stage": "later"}]}, ["silences[0].stage: must be one of"]),
        ({"silences": [{"command": "+CSQ", "stage": "after_pdu"}]}, ["'after_pdu' applies only to '+CMGS'"]),
        ({"silences": [{"nth": 0}]}, ["silences[0].nth: must be a whole number from 1"]),
        ({"junk": [{"data_hex": "xyz"}]}, ["junk[0].data_hex: must be non-empty hex"]),
        ({"urcs_in_response": [{"urc": "RING\r\n"}]}, ["urcs_in_response[0].urc: must be one"]),
        ({"storage_full": ["SM", "SM", "XX"]}, ["storage_full[1]: 'SM' is listed twice", "storage_full[2]"]),
        ({"network_outage": {"start_command": 5, "end_command": 5}}, ["end_command: must be after"]),
        ({"network_outage": {"state": 1}}, ["network_outage.state: must be one of [0, 2, 3, 4]"]),
        ({"signal_rssi": 40}, ["signal_rssi: must be 0-31, 99"]),
        ({"split_writes": [2, 0]}, ["split_writes[1]: must be a byte count"]),
        ({"baud_rate": 0, "unplug_after_commands": "3"}, ["baud_rate: ", "unplug_after_commands: "]),
    ],
)
async def test_a_bad_plan_is_a_400_listing_every_problem_and_changes_nothing(
    sim: SimulatorServer, http: aiohttp.ClientSession, plan: Any, problems: list[str]
) -> None:
    await install(http, sim, {"sim_removed": True})
    before = sim.modem.faults
    status, body = await set_faults(http, sim, plan)
    assert status == 400
    assert body["error"]["type"] == "bad_request"
    listed = body["error"]["problems"]
    assert len(listed) == len(problems), listed
    for expected, problem in zip(problems, listed, strict=True):
        assert expected in problem
        assert problem in body["error"]["message"]
    assert sim.modem.faults is before  # not even the "nth" counters were restarted


async def test_every_problem_is_listed_at_once(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    plan = {
        "send_errors": [{"code": -1, "family": "smtp", "colour": "red"}],
        "silences": [{"forever": "yes"}],
        "network_delay": "2",
        "storage_full": "SM",
    }
    status, body = await set_faults(http, sim, plan)
    assert status == 400
    assert len(body["error"]["problems"]) == 6, body


async def test_a_body_that_is_not_json_is_a_400(sim: SimulatorServer, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sim.control_url}/faults", data=b'{"sim_removed": tru') as response:
        assert response.status == 400
        assert "not JSON" in (await response.json())["error"]["message"]
    assert not sim.modem.faults.plan.sim_removed
