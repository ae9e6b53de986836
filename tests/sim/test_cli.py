"""``gsmgateway-sim`` as a real process: its announced lines, a pyserial client, HTTP control, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
import serial

from simulator import read_transcript
from simulator.__main__ import _fault_plan, _parser, main
from simulator.links.transcript import Direction
from tests.sim.support import STARTUP_TIMEOUT, path_present, run_simulator, serial_command


async def test_pty_simulator_serves_pyserial_and_http_and_stops_on_sigterm(tmp_path: Path) -> None:
    device = tmp_path / "gsmsim0"
    transcript = tmp_path / "wire.jsonl"
    args = ["--pty", str(device), "--profile", "huawei-e173", "--control", "127.0.0.1:0"]
    async with run_simulator(*args, "--transcript", str(transcript)) as sim:
        assert sim.info["device"] == str(device)
        assert os.readlink(device) == sim.info["pty"]
        assert sim.info["profile"] == "huawei-e173"
        assert sim.info["control"].startswith("http://127.0.0.1:")

        def identify() -> bytes:
            with serial.Serial(str(device), timeout=5, exclusive=True) as port:
                return serial_command(port, b"ATI")

        assert b"E173" in await asyncio.to_thread(identify)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            body = {"sender": "+255700000009", "text": "Hi"}
            async with http.post(f"{sim.info['control']}/sms", json=body) as response:
                assert response.status == 201
            async with http.get(f"{sim.info['control']}/counters") as response:
                counters = json.loads(await response.text())
        assert counters["incoming"] == 1
        assert counters["commands"] == 1
        code, stderr = await sim.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert not path_present(device)
    assert b"ATI\r" in [e.data for e in read_transcript(transcript) if e.direction is Direction.IN]


async def test_tcp_simulator_serves_socket_urls_and_stops_on_sigint() -> None:
    args = ["--tcp", "127.0.0.1:0", "--split", "2,1", "--baud", "115200", "--latency", "0.01"]
    async with run_simulator(*args) as sim:
        url = sim.info["device"]
        assert url.startswith("socket://127.0.0.1:")

        def ping() -> bytes:
            port = serial.serial_for_url(url, timeout=5)
            try:
                return serial_command(port, b"AT")
            finally:
                port.close()

        assert await asyncio.to_thread(ping) == b"AT\r\r\nOK\r\n"
        code, stderr = await sim.stop(signal.SIGINT)
    assert code == 0, stderr


async def test_a_profile_file_is_loaded_and_announced(tmp_path: Path) -> None:
    profile = tmp_path / "branch-stick.toml"
    profile.write_text('base = "huawei-e173"\nmodel = "E173-BRANCH"\nimei = "490154203237518"\n')
    async with run_simulator("--tcp", "127.0.0.1:0", "--profile", str(profile)) as sim:
        assert sim.info["profile"] == "branch-stick"  # named after the file

        def identify() -> list[bytes]:
            port = serial.serial_for_url(sim.info["device"], timeout=5)
            try:
                return [serial_command(port, line) for line in (b"AT+CGMI", b"AT+CGMM", b"AT+CGSN")]
            finally:
                port.close()

        manufacturer, model, imei = await asyncio.to_thread(identify)
        assert b"\r\nhuawei\r\n" in manufacturer  # from the base profile
        assert b"\r\nE173-BRANCH\r\n" in model
        assert b"\r\n490154203237518\r\n" in imei
        code, stderr = await sim.stop(signal.SIGTERM)
    assert code == 0, stderr


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (None, ["cannot read profile"]),  # no such file
        ('model = 7\nspeed = "fast"\n', ["model: expected a string", "speed: unknown field"]),
        ("model = [", ["cannot read profile"]),  # not TOML
    ],
)
def test_a_bad_profile_file_exits_2_naming_every_problem(
    tmp_path: Path, content: str | None, problems: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit) as exited:
        main(["--tcp", "127.0.0.1:0", "--profile", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "--profile" in err
    assert all(problem in err for problem in problems), err


async def test_a_path_taken_by_a_real_file_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "gsmsim0"
    taken.write_text("not a tty")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--pty", str(taken),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(STARTUP_TIMEOUT):
        stdout, stderr = await process.communicate()
    assert process.returncode == 1
    assert b"cannot start" in stderr
    assert b"not a symlink" in stderr
    assert stdout == b""
    assert taken.read_text() == "not a tty"


@pytest.mark.parametrize(
    "argv",
    [
        ["--tcp", "nonsense"],
        ["--tcp", "127.0.0.1:99999"],
        ["--profile", "nokia-3310"],
        ["--split", "0"],
        ["--baud", "fast"],
        ["--latency", "-1"],
        ["--latency", "nan"],
        ["--pty", "/tmp/x", "--tcp", "127.0.0.1:0"],  # noqa: S108 - never created: parsing fails first
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "rate"), [([], None), (["--baud"], 115_200), (["--baud", "9600"], 9600)])
def test_baud_pacing_is_off_unless_asked_and_115200_unless_set(argv: list[str], rate: int | None) -> None:
    assert _parser().parse_args(argv).baud == rate


def test_a_control_address_off_loopback_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--tcp", "127.0.0.1:0", "--control", "0.0.0.0:0"]) == 1
    assert "loopback" in capsys.readouterr().err


async def test_a_fault_plan_file_is_installed_at_start(tmp_path: Path) -> None:
    plan = {"send_errors": [{"code": 332, "nth_send": 1}], "storage_full": ["SM"], "signal_rssi": 5}
    path = tmp_path / "faults.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    async with run_simulator(
        "--tcp", "127.0.0.1:0", "--control", "127.0.0.1:0", "--faults", str(path)
    ) as sim:
        async with aiohttp.ClientSession() as http, http.get(f"{sim.info['control']}/faults") as response:
            installed = (await response.json())["faults"]
        code, stderr = await sim.stop()
    assert code == 0, stderr
    assert installed["send_errors"] == [{"code": 332, "family": "cms", "nth_send": 1, "recipient": None}]
    assert installed["storage_full"] == ["SM"]
    assert installed["signal_rssi"] == 5


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["--faults-json", '{"sim_removed": 1, "silences": [{"nth": 0}]}'],
            ["sim_removed: ", "silences[0].nth: "],
        ),
        (["--faults-json", '{"sim_removed": tru'], ["not JSON"]),
        (["--faults", "/nonexistent/faults.json"], ["cannot read fault plan"]),
        (["--faults-json", '{"split_writes": [2]}', "--split", "1"], ["both set ['split_writes']"]),
    ],
)
def test_a_bad_fault_plan_exits_2_naming_every_problem(
    argv: list[str], said: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--tcp", "127.0.0.1:0", *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    for words in said:
        assert words in err


def test_the_shorthands_fill_in_fields_the_plan_leaves_alone() -> None:
    args = _parser().parse_args(
        ["--faults-json", '{"sim_removed": true}', "--latency", "0.5", "--split", "3,1"]
    )
    plan = _fault_plan(args)
    assert (plan.sim_removed, plan.command_latency, plan.split_writes) == (True, 0.5, (3, 1))
