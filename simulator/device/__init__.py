"""The device: ``SimModem``, the pure state machine (bytes and time in, bytes out), and its parts.

:mod:`simulator.device.modem` handles the command line and the ``> `` prompt,
:mod:`simulator.device.sending` what happens after Ctrl-Z, :mod:`simulator.device.schedule` the
timed output.
"""

from __future__ import annotations

from simulator.device.modem import COUNTERS, SimModem

__all__ = ["COUNTERS", "SimModem"]
