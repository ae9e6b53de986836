"""The driver contract: the same tests over every link and simulator profile, or real hardware.

Links are memory, TCP and pty; hardware is opt-in: ``pytest tests/contract --modem-url=/dev/…``.

Tests that need to steer the network or inject faults take ``sim`` and are skipped on hardware;
everything else runs against whatever ``modem_url`` names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import DriverOptions, ReportRouting
from gsmgateway.modem.transport import Opener, serial_opener
from simulator import FaultPlan, Profile, SimulatorServer, profile_names

LINKS = ("memory", "tcp", "pty")
#: Fast deadlines for the simulator; hardware gets the production defaults.
SIM_OPTIONS = DriverOptions(
    command_timeout=2.0,
    prompt_timeout=1.0,
    send_timeout=2.0,
    busy_retry_delay=0.01,
    reconnect_delay=0.05,
    reconnect_delay_max=0.2,
    registration_poll=0.1,
    stale_grace=0.2,
    escape_settle=0.01,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--modem-url",
        default=None,
        help="run tests/contract against a real modem at this device path or socket:// URL",
    )
    parser.addoption("--modem-pin", default=None, help="SIM PIN of the real modem, if it asks for one")
    parser.addoption("--modem-recipient", default=None, help="+digits that may receive test SMS")


@dataclass
class Target:
    """What a contract test talks to: an opener, and the simulator behind it (None on hardware)."""

    opener: Opener
    sim: SimulatorServer | None
    options: DriverOptions
    recipient: str


MakeDriver = Callable[..., Awaitable[ModemDriver]]


def _hardware_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("--modem-url", default=None)
    return url


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target_kind" in metafunc.fixturenames:
        if _hardware_url(metafunc.config):
            metafunc.parametrize("target_kind", [("hardware", "hardware")], ids=["hardware"])
        else:
            kinds = [(link, profile) for link in LINKS for profile in profile_names()]
            metafunc.parametrize("target_kind", kinds, ids=[f"{link}-{profile}" for link, profile in kinds])


def sim_server(
    link: str, profile: str | Profile, tmp_path: Path, faults: FaultPlan | None = None
) -> SimulatorServer:
    """Return an unstarted simulator on ``link`` (a pty gets its own path under ``tmp_path``)."""
    kwargs: dict[str, Any] = {"pty_path": tmp_path / "gsmsim0"} if link == "pty" else {}
    return SimulatorServer(profile=profile, link=link, faults=faults, **kwargs)


def sim_opener(sim: SimulatorServer) -> Opener:
    """Return how the driver opens ``sim``: its in-memory stream, or its URL through pyserial."""
    return sim.open_stream if sim.link_kind.value == "memory" else serial_opener(str(sim.url))


@pytest.fixture
async def target(
    request: pytest.FixtureRequest, target_kind: tuple[str, str], tmp_path: Path
) -> AsyncIterator[Target]:
    link, profile = target_kind
    config = request.config
    if link == "hardware":
        url = _hardware_url(config)
        assert url is not None
        options = DriverOptions(pin=config.getoption("--modem-pin", default=None))
        recipient = config.getoption("--modem-recipient", default=None) or ""
        yield Target(serial_opener(url), None, options, recipient)
        return
    marker = request.node.get_closest_marker("faults")
    faults: FaultPlan | None = marker.args[0] if marker else None
    async with sim_server(link, profile, tmp_path, faults) as sim:
        yield Target(sim_opener(sim), sim, SIM_OPTIONS, "+255700000001")


@pytest.fixture
async def make_driver(target: Target) -> AsyncIterator[MakeDriver]:
    started: list[ModemDriver] = []

    async def factory(routing: ReportRouting | None = None, **overrides: Any) -> ModemDriver:
        if routing is not None:
            overrides["report_routing"] = routing
        options = replace(target.options, **overrides)
        driver = ModemDriver("m1", target.opener, options=options)
        started.append(driver)
        await driver.start()
        return driver

    yield factory
    for driver in started:
        await driver.stop()


@pytest.fixture
def sim(target: Target) -> SimulatorServer:
    """Return the simulator behind the target; tests that need one are skipped on hardware."""
    if target.sim is None:
        pytest.skip("needs the simulator to steer the network or inject faults")
    return target.sim


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults(plan): FaultPlan the contract target's simulator starts with")
    config.addinivalue_line("markers", "profile(name): simulator profile of the fault tests' rig")
