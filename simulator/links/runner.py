"""Runs the pure modem state machine on the event loop.

The device (``SimModem``) has no clock and no IO: it is fed bytes with the time and told the time
again when its next deadline comes. This module is that glue: bytes in → the wire towards the modem
→ ``feed(now)`` → output to the wire towards the client; one timer armed at ``next_deadline()`` calls
``tick``. Every link (memory, TCP, pty) drives the device through one runner, so they behave the same.

A serial line takes time both ways: with baud-rate pacing the device sees the client's bytes only
once they could have crossed the line, exactly as the client sees the device's answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from simulator.links.output import LinkFaults, OutputChannel
from simulator.links.transcript import Transcript

logger = logging.getLogger(__name__)


class Device(Protocol):
    """What a link needs of a modem: ``simulator.device.SimModem`` satisfies it."""

    def feed(self, data: bytes, now: float) -> bytes:
        """Take bytes from the client; return the bytes due out now."""
        ...

    def tick(self, now: float) -> bytes:
        """Return the bytes due by ``now`` (delayed answers, URCs)."""
        ...

    def next_deadline(self) -> float | None:
        """Return when ``tick`` next has something to do, or None."""
        ...

    def connection_reset(self) -> None:
        """Forget the connection: the port was closed or reopened."""
        ...


class ModemRunner:
    """Feeds a device from a link and sends its answers to the link's ``OutputChannel``.

    A device that raises is a bug in the simulator, not a modem behaviour: the runner logs it, keeps
    the link alive (a garbage byte never kills the simulator) and keeps the exception in ``failures``
    so :class:`simulator.server.SimulatorServer` can fail the test that caused it.
    """

    def __init__(self, device: Device, output: OutputChannel, transcript: Transcript) -> None:
        self._loop = asyncio.get_running_loop()
        self._device = device
        self._output = output
        # The same kind of wire, the other way: only the baud rate applies to what the TE sends.
        self._input = OutputChannel(_inbound(output.faults))
        self._input.attach(self._feed)
        self._transcript = transcript
        self._timer: asyncio.TimerHandle | None = None
        self._changed = asyncio.Event()
        self._closed = False
        self.failures: list[Exception] = []
        self.bytes_received = 0
        #: How often each link event (connect, disconnect, reconnect) reset the connection.
        self.link_events: Counter[str] = Counter()
        #: Called after every step of the device (the server watches counters with it).
        self.on_step: Callable[[], None] | None = None

    @property
    def output(self) -> OutputChannel:
        """The wire towards the client."""
        return self._output

    @property
    def input(self) -> OutputChannel:
        """The wire towards the modem (its ``writes`` are the device's reads)."""
        return self._input

    def set_link_faults(self, faults: LinkFaults) -> None:
        """Change how the wire behaves in both directions; bytes in flight go on under the new rules."""
        self._output.set_faults(faults)
        self._input.set_faults(_inbound(faults))

    def receive(self, data: bytes) -> None:
        """Bytes arrived from the client: they reach the device once they have crossed the line."""
        if self._closed or not data:
            return
        self.bytes_received += len(data)
        self._transcript.incoming(data)
        self._input.send(data, lead=self._output.lead)

    def _feed(self, data: bytes) -> None:
        self._step(lambda now: self._device.feed(data, now))

    def poke(self) -> None:
        """Something changed the device from outside (an injected SMS, a plan): let it speak."""
        if not self._closed:
            self._step(self._device.tick)

    def connection_reset(self, reason: str) -> None:
        """Tell the device a client left or arrived, and drop output meant for the old one."""
        if self._closed:
            return
        self.link_events[reason] += 1
        self._transcript.event(reason)
        self._output.discard()
        self._input.discard()  # bytes the old client left on the line never reach the modem
        self._step(lambda now: self._reset_then_tick(now))

    def _reset_then_tick(self, now: float) -> bytes:
        self._device.connection_reset()
        return self._device.tick(now)

    async def wait_changed(self) -> None:
        """Return after the device next handles input or a deadline (for ``wait_for_*`` helpers)."""
        await self._changed.wait()

    def close(self) -> None:
        """Stop: disarm the timer and the wire; later input is ignored."""
        self._closed = True
        self._cancel_timer()
        self._output.close()
        self._input.close()
        self._notify()

    def _step(self, action: Callable[[float], bytes]) -> None:
        try:
            out = action(self._loop.time())
        except Exception as exc:  # a device bug must not kill the link; it is reported at stop()
            logger.exception("simulated modem failed")
            self.failures.append(exc)
            out = b""
        self._output.send(out, lead=self._input.lead)
        self._rearm()
        self._notify()
        if self.on_step is not None:
            self.on_step()

    def _on_deadline(self) -> None:
        self._timer = None
        self._step(self._device.tick)

    def _rearm(self) -> None:
        self._cancel_timer()
        try:
            deadline = self._device.next_deadline()
        except Exception as exc:  # same reasoning as in _step
            logger.exception("simulated modem failed to report its next deadline")
            self.failures.append(exc)
            return
        if deadline is not None and not self._closed:
            self._timer = self._loop.call_at(deadline, self._on_deadline)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _notify(self) -> None:
        # Wake every waiter once, then start a fresh event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()


def _inbound(faults: LinkFaults) -> LinkFaults:
    """Return the wire towards the modem: paced like the other way, never split (the TE writes whole)."""
    return LinkFaults(baudrate=faults.baudrate, fifo_bytes=faults.fifo_bytes)
