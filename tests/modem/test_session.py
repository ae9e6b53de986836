"""The AT session against the simulator: URCs kept apart, deadlines, garbage, unplug."""

from __future__ import annotations

import asyncio

import pytest

from gsmgateway.core.errors import CmeError, ModemCommandError, ModemTimeoutError, ModemUnavailableError
from gsmgateway.modem.session import AtSession
from simulator import FaultPlan, SimulatorServer
from simulator.faults import CommandMatch, Junk, JunkPlacement, Silence, UrcInResponse


async def test_response_lines_exclude_echo_and_final(session: AtSession) -> None:
    lines = await session.execute("AT+CSQ", within=5)
    assert len(lines) == 1
    assert lines[0].startswith("+CSQ: ")


async def test_urc_inside_a_response_goes_to_the_queue_not_the_command(
    sim: SimulatorServer, session: AtSession
) -> None:
    sim.set_faults(FaultPlan(urcs_in_response=(UrcInResponse('+CMTI: "SM",3', CommandMatch("+CSQ")),)))
    lines = await session.execute("AT+CSQ", within=5)
    assert [line[:5] for line in lines] == ["+CSQ:"]
    async with asyncio.timeout(5):
        urc = await session.urcs.get()
    assert (urc.name, urc.args) == ("+CMTI", '"SM",3')


async def test_prefix_claims_a_urc_looking_answer(session: AtSession) -> None:
    lines = await session.execute("AT+CREG?", within=5, prefix="+CREG:")
    assert lines[0].startswith("+CREG: ")
    assert session.urcs.empty()


@pytest.mark.parametrize("placement", [JunkPlacement.BEFORE_RESPONSE, JunkPlacement.INSIDE_RESPONSE])
async def test_non_utf8_bytes_never_kill_the_reader(
    sim: SimulatorServer, session: AtSession, placement: JunkPlacement
) -> None:
    sim.set_faults(FaultPlan(junk=(Junk(b"\xe9\xff\x00\x81junk", placement, CommandMatch("+CGMI")),)))
    await session.execute("AT+CGMI", within=5)
    assert not session.lost.is_set()
    assert (await session.execute("AT+CSQ", within=5))[0].startswith("+CSQ:")


async def test_silence_is_our_timeout_and_the_next_command_still_works(
    sim: SimulatorServer, session: AtSession
) -> None:
    sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CSQ", nth=1)),)))
    with pytest.raises(ModemTimeoutError, match=r"AT\+CSQ"):
        await session.execute("AT+CSQ", within=0.3)
    assert session.consecutive_timeouts == 1
    assert (await session.execute("AT+CGMM", within=5))[0]
    assert session.consecutive_timeouts == 0


async def test_too_many_timeouts_close_the_port(sim: SimulatorServer, session: AtSession) -> None:
    sim.set_faults(FaultPlan(silences=(Silence(CommandMatch(), forever=True),)))
    for _ in range(3):
        with pytest.raises(ModemTimeoutError):
            await session.execute("AT", within=0.2)
    async with asyncio.timeout(5):
        await session.lost.wait()
    with pytest.raises(ModemUnavailableError):
        await session.execute("AT", within=1)


async def test_unplug_fails_the_command_and_marks_the_session_lost(
    sim: SimulatorServer, session: AtSession
) -> None:
    sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CSQ")),)))
    command = asyncio.create_task(session.execute("AT+CSQ", within=10))
    await sim.wait_until(lambda: sim.counters["commands"] >= 2)
    await sim.unplug()
    with pytest.raises(ModemUnavailableError):
        await command
    assert session.lost.is_set()


async def test_error_results_become_typed_errors(session: AtSession) -> None:
    with pytest.raises(ModemCommandError) as bare:
        await session.execute('AT+CPIN="0000"', within=5)
    assert type(bare.value) is ModemCommandError  # plain ERROR until +CMEE=1
    await session.execute("AT+CMEE=1", within=5)
    with pytest.raises(CmeError) as caught:
        await session.execute('AT+CPIN="0000"', within=5)
    assert caught.value.code is not None
    assert caught.value.modem_id == "m1"


async def test_split_writes_change_nothing(sim: SimulatorServer, session: AtSession) -> None:
    sim.set_faults(FaultPlan(split_writes=(1, 2, 3)))
    lines = await session.execute("AT+CGSN", within=5)
    assert lines == [sim.profile.imei]


async def test_a_malformed_pdu_is_refused_before_anything_is_written(
    sim: SimulatorServer, session: AtSession
) -> None:
    commands = sim.counters["commands"]
    async with session.transaction():
        with pytest.raises(ValueError, match="hex"):
            await session.submit(3, "00zz\x1a", prompt_timeout=1, result_timeout=1)
    assert sim.counters["commands"] == commands
    assert (await session.execute("AT", within=5)) == []
