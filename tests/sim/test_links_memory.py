"""The in-memory link: a ByteStream into the device, reconnects, unplug/replug, split writes, pacing."""

from __future__ import annotations

import asyncio

import pytest

from simulator import FaultPlan, LinkUnpluggedError, SimulatorError, SimulatorServer
from simulator.links.pacing import UART_FIFO_BYTES, bytes_per_second
from tests.sim.conftest import MakeSim
from tests.sim.support import ByteStream, command, read_until


async def test_at_gets_ok_through_a_stream_that_fits_the_transport_seam(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    assert isinstance(stream, ByteStream)
    assert await command(stream, b"AT") == b"AT\r\r\nOK\r\n"
    await stream.close()
    await stream.close()  # idempotent
    assert await stream.read() == b""
    assert sim.url is None


@pytest.mark.sim(profile="huawei-e173")
async def test_the_sim_marker_chooses_the_profile(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    assert b"E173" in await command(stream, b"AT+CGMM")
    await stream.close()


async def test_state_survives_closing_and_reopening_the_port(sim: SimulatorServer) -> None:
    for _ in range(5):
        first = await sim.open_stream()
        await command(first, b"ATE0")
        await first.close()
    second = await sim.open_stream()
    assert await command(second, b"AT") == b"\r\nOK\r\n"  # no echo: ATE0 was kept
    await second.close()


async def test_a_new_stream_replaces_the_old_one(sim: SimulatorServer) -> None:
    old = await sim.open_stream()
    new = await sim.open_stream()
    assert await old.read() == b""
    with pytest.raises(BrokenPipeError):
        await old.write(b"AT\r")
    assert b"OK" in await command(new, b"AT")
    await new.close()


async def test_half_a_command_is_forgotten_when_the_port_closes(sim: SimulatorServer) -> None:
    first = await sim.open_stream()
    await first.write(b"AT+CG")
    await first.close()
    second = await sim.open_stream()
    await second.write(b"MI\r")  # would complete AT+CGMI if the half line had been kept
    assert await command(second, b"AT") == b"MI\rAT\r\r\nOK\r\n"
    assert sim.counters["ignored_lines"] == 1
    await second.close()


async def test_unplug_ends_the_stream_and_refuses_new_ones_until_replug(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    await command(stream, b"ATE0")
    await sim.unplug()
    await sim.unplug()  # idempotent
    assert not sim.plugged
    assert await stream.read() == b""
    with pytest.raises(BrokenPipeError):
        await stream.write(b"AT\r")
    with pytest.raises(ConnectionRefusedError):
        await sim.open_stream()
    with pytest.raises(LinkUnpluggedError):
        await sim.open_stream()
    await sim.replug()
    again = await sim.open_stream()
    assert await command(again, b"AT") == b"\r\nOK\r\n"  # same device: still no echo
    assert sim.counters["unplugs"] == 1
    assert sim.counters["replugs"] == 1
    await again.close()


async def test_replug_with_reboot_restores_power_on_settings(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    await command(stream, b"ATE0")
    await sim.unplug()
    await sim.replug(reboot=True)
    again = await sim.open_stream()
    assert await command(again, b"AT") == b"AT\r\r\nOK\r\n"
    await again.close()


async def test_split_writes_arrive_in_the_planned_sizes(make_sim: MakeSim) -> None:
    sim = await make_sim(faults=FaultPlan(split_writes=(1, 3)))
    stream = await sim.open_stream()
    await stream.write(b"ATI\r")
    chunks: list[bytes] = []
    while b"OK\r\n" not in b"".join(chunks):
        chunks.append(await stream.read())
    sizes = [len(chunk) for chunk in chunks]
    assert sizes[:-1] == [(1, 3)[i % 2] for i in range(len(sizes) - 1)]
    assert sizes[-1] <= 3
    assert b"".join(chunks).startswith(b"ATI\r\r\n")
    await stream.close()


async def test_paced_output_never_outruns_the_serial_line(make_sim: MakeSim) -> None:
    baud = 115200
    sim = await make_sim(faults=FaultPlan(baud_rate=baud))
    stream = await sim.open_stream()
    commands = 6
    for _ in range(commands):
        await stream.write(b"AT+CLAC\r")
        await read_until(stream, b"OK\r\n")
    rate = bytes_per_second(baud)
    writes = list(sim.output.writes)
    assert len(writes) > 2 * commands  # each listing leaves in several paced writes, not one burst
    # The link's own accounting: bytes written after any write and up to a later one were all
    # on the line in between, bar what a UART FIFO may release ahead of the line.
    for i, first in enumerate(writes):
        carried = 0
        for later in writes[i + 1 :]:
            carried += later.size
            assert carried <= (later.time - first.time) * rate + UART_FIFO_BYTES
    assert sum(w.size for w in writes) == sim.counters["bytes_out"]
    await stream.close()


async def test_the_modem_gets_the_clients_bytes_no_faster_than_the_line_carries_them(
    make_sim: MakeSim,
) -> None:
    sim = await make_sim(faults=FaultPlan(baud_rate=115200))
    stream = await sim.open_stream()
    await command(stream, b"ATE0")
    burst = b"AT\r" * 200  # 600 bytes in one write: about 52 ms of line time
    written_at = asyncio.get_running_loop().time()
    await stream.write(burst)
    # One buffer for all 200 answers: the line cuts writes anywhere, also inside an "OK\r\n".
    received = b""
    async with asyncio.timeout(5):
        while received.count(b"OK\r\n") < 200:
            chunk = await stream.read()
            assert chunk, f"stream ended after {received.count(b'OK')} answers"
            received += chunk
    rate = bytes_per_second(115200)
    reads = [w for w in sim.input.writes if w.time >= written_at]
    assert sum(w.size for w in reads) == len(burst)
    assert len(reads) > 1  # the device read it in pieces as it crossed the line
    fed = 0
    for read in reads:  # by each read, no more than the FIFO plus what the line carried since
        fed += read.size
        assert fed <= UART_FIFO_BYTES + (read.time - written_at) * rate
    await stream.close()


async def test_a_ping_pong_exchange_takes_at_least_the_line_time_both_ways(make_sim: MakeSim) -> None:
    # Each answer may reach the client a FIFO's worth early; the client's next command then starts
    # on the line that much later, so round trips cannot add their allowances up.
    sim = await make_sim(faults=FaultPlan(baud_rate=115200))
    stream = await sim.open_stream()
    rounds = 20
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(rounds):
        assert await command(stream, b"AT") == b"AT\r\r\nOK\r\n"  # 3 bytes out, 9 back
    elapsed = loop.time() - started
    rate = bytes_per_second(115200)
    assert elapsed >= rounds * (3 + 9) / rate - UART_FIFO_BYTES / rate
    await stream.close()


async def test_faults_set_later_reach_the_wire(sim: SimulatorServer) -> None:
    stream = await sim.open_stream()
    sim.set_faults(FaultPlan(split_writes=(2,)))
    await stream.write(b"AT\r")
    first = await stream.read()
    assert first == b"AT"
    await read_until(stream, b"OK\r\n")
    sim.set_faults(FaultPlan())
    await stream.write(b"AT\r")
    assert await stream.read() == b"AT\r\r\nOK\r\n"
    await stream.close()


async def test_unplug_after_commands_pulls_the_plug_by_itself(make_sim: MakeSim) -> None:
    sim = await make_sim(faults=FaultPlan(unplug_after_commands=2))
    stream = await sim.open_stream()
    await command(stream, b"AT")
    await stream.write(b"AT\r")
    await sim.wait_until(lambda: not sim.plugged)
    while await stream.read():
        pass  # whatever was already on the wire, then the end
    assert sim.counters["auto_unplugs"] == 1
    await sim.replug()
    again = await sim.open_stream()
    assert b"OK" in await command(again, b"AT")
    assert sim.plugged  # one-shot: the replugged modem stays plugged
    await again.close()


async def test_open_stream_needs_the_memory_link(make_sim: MakeSim) -> None:
    sim = await make_sim(link="tcp")
    with pytest.raises(RuntimeError, match="memory"):
        await sim.open_stream()


async def test_bad_arguments_are_refused_before_anything_starts() -> None:
    with pytest.raises(ValueError, match="unknown modem profile"):
        SimulatorServer(profile="nokia-3310")
    with pytest.raises(ValueError, match="unknown link"):
        SimulatorServer(link="usb")
    sim = SimulatorServer()
    with pytest.raises(RuntimeError, match="not started"):
        sim.inject_sms("+255700000009", "hi")
    with pytest.raises(RuntimeError, match="not started"):
        await sim.unplug()


async def test_a_device_crash_is_reported_when_the_server_stops() -> None:
    def explode(*_: object) -> None:
        raise ZeroDivisionError("simulated firmware bug")

    sim = SimulatorServer()
    await sim.start()
    sim.modem.handlers["+BOOM"] = explode  # type: ignore[assignment]
    stream = await sim.open_stream()
    await stream.write(b"AT+BOOM\r")
    await stream.write(b"AT\r")
    assert b"OK" in await read_until(stream, b"OK\r\n")  # the link survived
    await stream.close()
    with pytest.raises(SimulatorError) as caught:
        await sim.__aexit__(None, None, None)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
