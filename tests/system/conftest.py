"""System-test fixtures: real simulator and daemon processes, talked to over HTTP only.

Every test module here sets ``pytestmark = SYSTEM``: the ``system`` marker, and the package's event
loop (pytest-asyncio reads the loop scope at collection, so it cannot be added later), so the one
shared installation (``shared``: most scenarios and every bad input) starts once; scenarios that
kill, unplug or fault the modem get an installation of their own from ``make_stack``. Teardown sends
SIGTERM to every process and requires exit code 0; nothing is left running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Final

import aiohttp
import pytest
import pytest_asyncio

from tests.system.clients import GatewayClient, SimulatorControl
from tests.system.processes import ProcessGroup, child_processes
from tests.system.stack import Stack, StackOptions, build_stack

LOOP: Final = "package"
SYSTEM = [pytest.mark.system, pytest.mark.asyncio(loop_scope=LOOP)]

#: Shared installation: a per-recipient limit low enough for the 429 test, high enough for the rest.
SHARED_OPTIONS = StackOptions(per_recipient_per_hour=1.0, per_recipient_burst=3)


@pytest.fixture(autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Fail a test after which a process it started (simulator, daemon, CLI) is still around."""
    before = set(child_processes())
    yield
    left = {pid: cmd for pid, cmd in child_processes().items() if pid not in before}
    assert not left, f"processes left behind: {left}"


async def _stopped(group: ProcessGroup) -> None:
    problems = await group.stop_all()
    assert not problems, "\n\n".join(problems)


@pytest_asyncio.fixture(scope=LOOP, loop_scope=LOOP)
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One simulator and one daemon for every scenario that leaves the modem healthy."""
    group = ProcessGroup()
    try:
        yield await build_stack(tmp_path_factory.mktemp("shared"), group, SHARED_OPTIONS)
    finally:
        await _stopped(group)


StackFactory = Callable[[StackOptions], Awaitable[Stack]]


@pytest_asyncio.fixture(loop_scope=LOOP)
async def make_stack(tmp_path: Path) -> AsyncIterator[StackFactory]:
    """Build installations of a test's own; all of them are stopped (exit 0 required) at the end."""
    group = ProcessGroup()
    count = 0

    async def build(options: StackOptions) -> Stack:
        nonlocal count
        count += 1
        return await build_stack(tmp_path / f"stack{count}", group, options)

    try:
        yield build
    finally:
        await _stopped(group)


@pytest_asyncio.fixture(loop_scope=LOOP)
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """One HTTP client session per test (closed at the end)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest_asyncio.fixture(loop_scope=LOOP)
async def gateway(shared: Stack, http: aiohttp.ClientSession) -> GatewayClient:
    """Return the shared daemon's API, with a key holding every scope but admin."""
    return GatewayClient(http, shared.url, shared.key)


@pytest_asyncio.fixture(loop_scope=LOOP)
async def sim(shared: Stack, http: aiohttp.ClientSession) -> SimulatorControl:
    """Return the shared simulator's control surface."""
    return SimulatorControl(http, shared.sims[0].control)
