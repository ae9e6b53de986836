"""Fixtures for the simulator's link, server, control and CLI tests.

``make_sim(**kwargs)`` starts a :class:`SimulatorServer` and stops it after the test, failing the
test if the device raised; ``@pytest.mark.sim(profile=…, faults=…)`` tunes the ``sim`` fixture the
same way (aiosmtpd's ``get_controller`` + ``@controller_data`` pattern).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import SimulatorServer

MakeSim = Callable[..., Awaitable[SimulatorServer]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sim(**kwargs): SimulatorServer arguments for the `sim` fixture")


@pytest.fixture
async def make_sim() -> AsyncIterator[MakeSim]:
    started: list[SimulatorServer] = []

    async def factory(**kwargs: Any) -> SimulatorServer:
        sim = SimulatorServer(**kwargs)
        await sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in reversed(started):
        await sim.stop()
    failures = [exc for sim in started for exc in sim.failures]
    assert not failures, f"the simulated modem raised: {failures!r}"
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and _runs_simulator_code(t)]
    assert not left, f"simulator tasks still running after stop: {left}"


def _runs_simulator_code(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and f"{os.sep}simulator{os.sep}" in code.co_filename


@pytest.fixture
async def sim(request: pytest.FixtureRequest, make_sim: MakeSim) -> SimulatorServer:
    marker = request.node.get_closest_marker("sim")
    return await make_sim(**(marker.kwargs if marker else {}))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """Give the test an HTTP client for the control surface, closed after it."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


@pytest.fixture
def pty_path(tmp_path: Path) -> Path:
    """Give each test its own pty symlink path (never a shared /tmp name)."""
    return tmp_path / "gsmsim0"


@pytest.fixture
def open_fds() -> Callable[[], set[int]]:
    """Return a function listing this process's open descriptors (for leak checks)."""
    return lambda: {int(name) for name in os.listdir("/proc/self/fd")}
