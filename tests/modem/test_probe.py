"""`gsmgateway modem probe` and `modem list` as a person runs them: a real process on a pty."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from gsmgateway.core.errors import ModemUnavailableError
from gsmgateway.modem.probe import format_ports, probe
from gsmgateway.modem.transport import PortInfo, serial_opener
from simulator import FaultPlan, SimulatorServer


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gsmgateway",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("profile", ["generic", "simcom-sim800", "huawei-e173"])
async def test_probe_prints_identity_network_smsc_storage_and_routing(tmp_path: Path, profile: str) -> None:
    async with SimulatorServer(profile=profile, link="pty", pty_path=tmp_path / "modem") as sim:
        code, out, err = await run_cli("modem", "probe", "--device", str(sim.url), "--trace")
    assert code == 0, err
    assert "> b'AT+CGSN\\r'" in err  # --trace shows the raw traffic
    assert sim.profile.imei in out
    assert sim.profile.imsi in out
    assert sim.profile.model in out
    assert sim.profile.operator_long in out
    assert sim.profile.smsc in out
    assert "dBm" in out
    routing = next(line for line in out.splitlines() if line.startswith("report routing"))
    if profile == "simcom-sim800":  # no +CDSI, and ds=0 throws reports away: only +CDS works
        assert "works direct; using direct" in routing
        assert "poll: no memory keeps reports here" in routing
    elif profile == "huawei-e173":  # no SR: reports kept with the SMS in SM, swept from there
        assert "works stored, direct, poll (sweeps SM, ME); using stored" in routing
        assert "  SR:" not in out
    else:
        assert "works stored, direct, poll (sweeps SR, SM, ME); using stored" in routing
        assert "  SR: 0/" in out


async def test_probe_reports_a_sim_problem(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory", faults=FaultPlan(sim_removed=True)) as sim:
        report = await probe(sim.open_stream)
    assert not report.ok
    assert report.setup is not None
    assert report.setup.state == "sim_error"


async def test_probe_of_a_missing_device_exits_unavailable(tmp_path: Path) -> None:
    code, _, err = await run_cli("modem", "probe", "--device", str(tmp_path / "nothing"))
    assert code == 69
    assert "cannot open" in err
    with pytest.raises(ModemUnavailableError, match="cannot open"):
        await serial_opener(str(tmp_path / "nothing"))()


async def test_modem_list_runs() -> None:
    code, out, _ = await run_cli("modem", "list", "--all")
    assert code == 0
    assert out.strip()


def test_port_listing_prefers_the_stable_path() -> None:
    ports = [
        PortInfo(
            "/dev/ttyUSB0",
            "HUAWEI Mobile",
            "USB VID:PID=12d1:1001",
            0x12D1,
            0x1001,
            "/dev/serial/by-id/usb-HUAWEI-if00",
        ),
        PortInfo("/dev/ttyS0", "n/a", "n/a", None, None, None),
    ]
    text = format_ports(ports)
    assert text.splitlines() == ["/dev/serial/by-id/usb-HUAWEI-if00\t/dev/ttyUSB0\t12d1:1001\tHUAWEI Mobile"]
    assert "ttyS0" in format_ports(ports, show_all=True)
    assert "no serial ports" in format_ports(ports[1:])
