"""Fixtures for driver tests: a simulator on the in-memory link and a session on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gsmgateway.modem.session import AtSession
from simulator import SimulatorServer


@pytest.fixture
async def sim() -> AsyncIterator[SimulatorServer]:
    async with SimulatorServer(profile="generic", link="memory") as server:
        yield server


@pytest.fixture
async def session(sim: SimulatorServer) -> AsyncIterator[AtSession]:
    stream = await sim.open_stream()
    at = AtSession(stream, modem_id="m1", stale_grace=0.3)
    at.start()
    await at.execute("ATE0", within=5)
    yield at
    await at.close()
