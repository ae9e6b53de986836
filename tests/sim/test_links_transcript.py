"""The transcript: every byte in and out, with timestamps and link events, read back exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import read_transcript
from simulator.links.transcript import Direction
from tests.sim.conftest import MakeSim
from tests.sim.support import command, read_until


async def test_every_byte_in_and_out_is_recorded_in_order(make_sim: MakeSim, tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    sim = await make_sim(transcript=path)
    stream = await sim.open_stream()
    await stream.write(b"\xff\x00\r")  # junk: kept byte for byte
    await command(stream, b"AT")
    await sim.unplug()
    await sim.replug()
    entries = read_transcript(path)
    incoming = b"".join(e.data for e in entries if e.direction is Direction.IN)
    outgoing = b"".join(e.data for e in entries if e.direction is Direction.OUT)
    events = [e.data.decode() for e in entries if e.direction is Direction.EVENT]
    assert incoming == b"\xff\x00\rAT\r"
    assert outgoing.endswith(b"AT\r\r\nOK\r\n")
    assert len(outgoing) == sim.counters["bytes_out"]
    assert events[:1] == ["connect"]
    assert "unplug" in events
    assert events[-1] == "replug"
    times = [e.time for e in entries]
    assert times == sorted(times)


async def test_the_transcript_appends_across_runs_and_closes_with_the_server(
    make_sim: MakeSim, tmp_path: Path
) -> None:
    path = tmp_path / "wire.jsonl"
    for _ in range(2):
        sim = await make_sim(transcript=path)
        stream = await sim.open_stream()
        await stream.write(b"AT\r")
        await read_until(stream, b"OK\r\n")
        await stream.close()
        await sim.stop()
    incoming = [e.data for e in read_transcript(path) if e.direction is Direction.IN]
    assert incoming == [b"AT\r", b"AT\r"]


async def test_a_transcript_that_cannot_be_opened_stops_the_start(make_sim: MakeSim, tmp_path: Path) -> None:
    with pytest.raises(OSError):  # noqa: PT011 - the OS decides which OSError it is
        await make_sim(transcript=tmp_path / "missing-dir" / "wire.jsonl")


def test_a_damaged_transcript_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    path.write_text('{"t": 1.0, "dir": "in", "data": "AT\\r"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"wire.jsonl:2"):
        read_transcript(path)
