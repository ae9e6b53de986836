"""Old messages in storage at start, and reading the memories, from Python, HTTP and the command line.

A SIM taken from a phone, or a dongle whose gateway was down, holds unread SMS and uncollected
reports; the gateway has to drain them. Each surface must put them there the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import SimulatorServer
from simulator.__main__ import main
from simulator.profiles import Memory, Preload, PreloadKind
from tests.sim.conftest import MakeSim
from tests.sim.support import command, run_simulator
from tests.sim.unit.oracle import decode_report

OLD = "2025-12-31T10:00:00+03:00"
ENTRIES: list[dict[str, Any]] = [
    {"memory": "SM", "kind": "sms", "sender": "+255700000001", "text": "old", "sent": OLD, "read": False},
    {"memory": "SR", "kind": "report", "recipient": "+255700000002", "mr": 17, "status": 0, "sent": OLD},
]


def _report_in(storage: dict[str, Any], memory: str) -> Any:
    [message] = [m for m in storage[memory]["messages"] if m["kind"] == "report"]
    return decode_report(message["pdu"])


async def test_the_python_api_preloads_and_reads_storage(make_sim: MakeSim) -> None:
    entry = Preload(Memory.SR, PreloadKind.REPORT, "+255700000002", mr=17, count=3)
    sim = await make_sim(profile="generic", preload=(entry,))
    storage = sim.storage()
    assert storage["SR"]["used"] == 3
    assert [m["index"] for m in storage["SR"]["messages"]] == [1, 2, 3]
    assert _report_in({"SR": {"messages": storage["SR"]["messages"][:1]}}, "SR").mr == 17
    stream = await sim.open_stream()
    listing = await command(stream, b'AT+CPMS="SR";+CMGL=4')
    assert listing.count(b"+CMGL:") == 3
    await stream.close()


async def test_a_preload_that_does_not_fit_is_refused_whole(make_sim: MakeSim) -> None:
    sim = await make_sim(profile="generic")
    with pytest.raises(ValueError, match="31 messages for SM"):
        sim.preload((Preload(Memory.SM, PreloadKind.SMS, "+2557", count=31),))
    assert sim.storage()["SM"]["used"] == 0


@pytest.mark.sim(control_port=0)
async def test_the_control_surface_preloads_lists_and_refuses_bad_entries(
    sim: SimulatorServer, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{sim.control_url}/storage", json=ENTRIES) as response:
        assert response.status == 201
        storage = (await response.json())["storage"]
    assert (storage["SM"]["used"], storage["SR"]["used"]) == (1, 1)
    assert storage["SM"]["messages"][0]["stat"] == 0  # unread, as asked
    report = _report_in(storage, "SR")
    assert (report.mr, report.recipient, report.scts) == (17, "+255700000002", "25123110000012")
    bad = [{"memory": "XX", "kind": "sms"}, {"memory": "SM", "kind": "sms", "sender": "+2", "count": 0}]
    async with http.post(f"{sim.control_url}/storage", json=bad) as response:
        assert response.status == 400
        problems = (await response.json())["error"]["problems"]
    assert any(p.startswith("[0].memory:") for p in problems)
    assert any(p.startswith("[0].sender: is required") for p in problems)
    assert any(p.startswith("[1].count:") for p in problems)
    too_many = [{"memory": "SM", "kind": "sms", "sender": "+2", "count": 30}]
    async with http.post(f"{sim.control_url}/storage", json=too_many) as response:
        assert response.status == 400  # 1 + 30 > 30: nothing stored
    async with http.get(f"{sim.control_url}/storage") as response:
        assert (await response.json())["storage"]["SM"]["used"] == 1


async def test_the_command_line_preloads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "preload.json"
    path.write_text(json.dumps(ENTRIES), encoding="utf-8")
    async with (
        run_simulator(
            "--tcp", "127.0.0.1:0", "--control", "127.0.0.1:0", "--preload", str(path), "--profile", "wavecom"
        ) as sim,
        aiohttp.ClientSession() as http,
        http.get(f"{sim.info['control']}/storage") as response,
    ):
        storage = (await response.json())["storage"]
        code, stderr = await sim.stop()
    assert code == 0, stderr
    assert (storage["SM"]["used"], storage["SR"]["used"]) == (1, 1)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('[{"memory": "SM", "kind": "mms"}]', "[0].kind: must be one of"),
        ("[{", "not JSON"),
        ('{"memory": "SM"}', "must be a list of entries"),
    ],
)
def test_a_bad_preload_file_exits_2_naming_the_problem(
    tmp_path: Path, content: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "preload.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["--tcp", "127.0.0.1:0", "--preload", str(path)])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err
