"""A virtual GSM modem that speaks AT commands (3GPP TS 27.007/27.005) like a USB dongle.

Stands in for hardware in tests and in the demo. It shares no parser or PDU code with the gateway:
the same bug on both sides would hide. Start one with::

    async with SimulatorServer(profile="huawei-e173", link="pty", pty_path="/tmp/gsmsim0") as sim:
        ...  # the gateway opens /tmp/gsmsim0; the test inspects sim.submits, sim.counters
        sim.set_faults(FaultPlan(silences=(Silence(CommandMatch("+CMGS"), forever=True),)))  # a hang
        sim.inject(IncomingSms("+255700000001", "Habari", parts=(2, 1)))  # any kind of incoming SMS

or from a shell with ``gsmgateway-sim --pty /tmp/gsmsim0 --profile huawei-e173``.
"""

from __future__ import annotations

from simulator.device import SimModem
from simulator.faults import (
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
from simulator.links import LinkFaults, LinkKind, LinkUnpluggedError, MemoryStream
from simulator.links.transcript import Transcript, TranscriptEntry, read_transcript
from simulator.network import Outcome
from simulator.network.incoming import Encoding, IncomingSms
from simulator.pdu.submit import Submit
from simulator.profiles import (
    Memory,
    Preload,
    PreloadKind,
    Profile,
    ReportStorage,
    get_profile,
    profile_names,
)
from simulator.server import SimulatorError, SimulatorServer

__all__ = [
    "CommandMatch",
    "Encoding",
    "ErrorFamily",
    "FaultPlan",
    "IncomingSms",
    "Junk",
    "JunkPlacement",
    "LinkFaults",
    "LinkKind",
    "LinkUnpluggedError",
    "Memory",
    "MemoryStream",
    "NetworkOutage",
    "Outcome",
    "Preload",
    "PreloadKind",
    "Profile",
    "ReportStorage",
    "SendError",
    "Silence",
    "SilenceStage",
    "SimModem",
    "SimulatorError",
    "SimulatorServer",
    "Submit",
    "Transcript",
    "TranscriptEntry",
    "UrcInResponse",
    "get_profile",
    "profile_names",
    "read_transcript",
]
