"""Links attach the simulated modem to a client: in memory, over TCP, or through a pseudo-terminal.

Every link drives the device through one :class:`ModemRunner` and delivers its output through one
:class:`OutputChannel`, which applies the wire's faults (split writes, baud-rate pacing) the same
way whatever the link.
"""

from __future__ import annotations

from simulator.links.base import Link, LinkKind, LinkUnpluggedError
from simulator.links.memory import MemoryLink, MemoryStream
from simulator.links.output import LinkFaults, OutputChannel, WriteRecord
from simulator.links.pacing import SerialLinePacer, bytes_per_second
from simulator.links.pty import PtyLink
from simulator.links.runner import Device, ModemRunner
from simulator.links.tcp import TcpLink

__all__ = [
    "Device",
    "Link",
    "LinkFaults",
    "LinkKind",
    "LinkUnpluggedError",
    "MemoryLink",
    "MemoryStream",
    "ModemRunner",
    "OutputChannel",
    "PtyLink",
    "SerialLinePacer",
    "TcpLink",
    "WriteRecord",
    "bytes_per_second",
]
