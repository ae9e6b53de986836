"""Faults: the typed plan of every way a real modem misbehaves, its JSON form, and its live counters.

``from simulator.faults import FaultPlan, Silence, CommandMatch, …`` gives the plan's types
(:mod:`simulator.faults.plan`); :mod:`simulator.faults.plan_json` reads and writes the JSON shape
the control surface and the CLI take; :mod:`simulator.faults.session` applies a plan to a device.
"""

from __future__ import annotations

from simulator.faults.plan import (
    CommandMatch,
    ErrorFamily,
    FaultPlan,
    Junk,
    JunkPlacement,
    NetworkOutage,
    SendError,
    Silence,
    SilenceStage,
    UrcInResponse,
)

__all__ = [
    "CommandMatch",
    "ErrorFamily",
    "FaultPlan",
    "Junk",
    "JunkPlacement",
    "NetworkOutage",
    "SendError",
    "Silence",
    "SilenceStage",
    "UrcInResponse",
]
