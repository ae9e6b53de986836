"""``SimulatorServer``: one simulated modem on one link, with the Python control API for tests.

``async with SimulatorServer(profile="huawei-e173", link="pty", pty_path="/tmp/gsmsim0") as sim:``
starts the device, the link and (if asked) the HTTP control surface, and returns only once a client
can connect, like aiosmtpd's ``Controller.start``. Leaving the block stops everything it started:
no descriptor, socket, timer or symlink outlives it. The device's state (settings, storage, the
fake network) lives as long as the server, across client reconnects, unplug and replug.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

from simulator.control import ControlServer, require_loopback
from simulator.device import SimModem
from simulator.faults import FaultPlan
from simulator.links import (
    Link,
    LinkFaults,
    LinkKind,
    MemoryLink,
    MemoryStream,
    ModemRunner,
    OutputChannel,
    PtyLink,
    TcpLink,
)
from simulator.links.tcp import ip_literal
from simulator.links.transcript import Transcript
from simulator.network import Outcome
from simulator.network.clock import NetworkClock
from simulator.network.incoming import IncomingSms
from simulator.pdu.submit import CompleteMessage, Submit
from simulator.profiles import Preload, Profile, get_profile
from simulator.state.view import StorageView, storage_view


class SimulatorError(RuntimeError):
    """The simulated modem itself crashed while a test used it: a simulator bug, never a modem fault."""


class SimulatorServer:
    """A running simulated modem: device + link + optional control surface and transcript.

    ``profile`` is a name from :func:`simulator.profiles.profile_names` or a ``Profile``; ``link`` is
    ``"memory"``, ``"tcp"`` or ``"pty"``. ``pty_path`` publishes the pty at a stable symlink;
    ``control_port`` (0 picks one) starts the loopback HTTP control surface; ``transcript`` names a
    file that receives every byte in and out.

    ``preload`` puts old messages into the memories before the start (after the profile's own);
    the SMSC's clock reads the wall clock plus ``smsc_clock_skew`` seconds, in ``smsc_utc_offset``.

    :raises ValueError: for an unknown profile or link kind, a TCP host that is not an IP address
        (or ``localhost``), a control host that is not loopback, a preload that does not fit, or an
        SMSC zone a time stamp cannot carry (nothing is started).
    """

    def __init__(
        self,
        profile: str | Profile = "generic",
        link: LinkKind | str = LinkKind.MEMORY,
        *,
        faults: FaultPlan | None = None,
        pty_path: str | Path | None = None,
        pty_group: str | None = "dialout",
        tcp_host: str = "127.0.0.1",
        tcp_port: int = 0,
        control_host: str = "127.0.0.1",
        control_port: int | None = None,
        transcript: str | Path | None = None,
        preload: tuple[Preload, ...] = (),
        smsc_clock_skew: float = 0.0,
        smsc_utc_offset: timedelta = timedelta(),
    ) -> None:
        self._profile = _resolve_profile(profile)
        try:
            self._kind = LinkKind(link)
        except ValueError:
            choices = ", ".join(kind.value for kind in LinkKind)
            raise ValueError(f"unknown link {link!r}; choose one of: {choices}") from None
        self._faults = faults or FaultPlan()
        self._pty_path, self._pty_group = pty_path, pty_group
        self._tcp_host, self._tcp_port = ip_literal(tcp_host), tcp_port
        if control_port is not None:
            require_loopback(control_host)
        self._control_host, self._control_port = control_host, control_port
        self._transcript = Transcript(transcript)
        # asyncio's loop.time() is time.monotonic(): the clock reads the wall clock at loop times
        clock = NetworkClock.from_wall_clock(
            time.monotonic(), skew=smsc_clock_skew, utc_offset=smsc_utc_offset
        )
        self._modem = SimModem(self._profile, self._faults, clock)
        self._modem.preload(preload)
        self._runner: ModemRunner | None = None
        self._link: Link | None = None
        self._control: ControlServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._unplug_base = 0
        self._link_counters = dict.fromkeys(("unplugs", "replugs", "auto_unplugs"), 0)

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the device, the link and the control surface; return once clients can connect.

        :raises OSError: the link or control surface cannot be set up (everything is torn down).
        :raises RuntimeError: the server was started before.
        """
        if self._runner is not None:
            raise RuntimeError("a SimulatorServer is started once")
        try:
            self._transcript.open()
            output = OutputChannel(LinkFaults.from_plan(self._faults), tap=self._transcript.outgoing)
            self._runner = ModemRunner(self._modem, output, self._transcript)
            self._runner.on_step = self._after_step
            self._link = self._make_link(self._runner)
            await self._link.start()
            self._runner.poke()  # power-on: boot URCs, periodic timers
            if self._control_port is not None:
                self._control = ControlServer(self, host=self._control_host, port=self._control_port)
                await self._control.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop everything that was started (idempotent); the device's state stays inspectable."""
        if self._control is not None:
            await self._control.stop()
        for task in list(self._tasks):
            await task
        if self._link is not None:
            await self._link.stop()
        if self._runner is not None:
            self._runner.close()
        self._transcript.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        failures = self.failures
        if failures and exc is None:
            raise SimulatorError(f"the simulated modem raised {len(failures)} exception(s)") from failures[0]

    def _make_link(self, runner: ModemRunner) -> Link:
        if self._kind is LinkKind.TCP:
            return TcpLink(runner, host=self._tcp_host, port=self._tcp_port)
        if self._kind is LinkKind.PTY:
            return PtyLink(runner, path=self._pty_path, group=self._pty_group)
        return MemoryLink(runner)

    # --- what a client connects to -----------------------------------------------------------------

    @property
    def link_kind(self) -> LinkKind:
        """Which kind of link this server runs."""
        return self._kind

    @property
    def url(self) -> str | None:
        """``socket://127.0.0.1:PORT`` (tcp) or the device path (pty); None for memory."""
        return None if self._link is None else self._link.url

    @property
    def pty_name(self) -> str | None:
        """The ``/dev/pts/N`` behind the pty link right now (None otherwise or while unplugged)."""
        return self._link.slave_name if isinstance(self._link, PtyLink) else None

    @property
    def control_url(self) -> str | None:
        """``http://127.0.0.1:PORT`` of the control surface, or None when it is off."""
        return None if self._control is None else self._control.url

    @property
    def plugged(self) -> bool:
        """True while the modem is plugged in."""
        return self._link is not None and self._link.plugged

    @property
    def connected(self) -> bool:
        """True while a client holds the port (memory, TCP); for a pty, while plugged in."""
        return self._link is not None and self._link.connected

    async def open_stream(self) -> MemoryStream:
        """Open the in-memory port: a ``ByteStream`` (this method is an ``Opener``).

        :raises LinkUnpluggedError: while unplugged (a ``ConnectionRefusedError``).
        :raises RuntimeError: the server does not run an in-memory link.
        """
        if not isinstance(self._link, MemoryLink):
            raise RuntimeError(f"open_stream needs link='memory'; this server runs {self._kind.value!r}")
        return await self._link.open_stream()

    # --- inspect ---------------------------------------------------------------------------------

    @property
    def profile(self) -> Profile:
        """The modem profile the device runs."""
        return self._profile

    @property
    def modem(self) -> SimModem:
        """The device state machine itself, for assertions on its state."""
        return self._modem

    @property
    def submits(self) -> list[Submit]:
        """Every SMS-SUBMIT the modem accepted, decoded by the simulator's own decoder."""
        return self._modem.submits

    @property
    def counters(self) -> dict[str, int]:
        """A snapshot of the device's counters plus the link's.

        The link adds ``bytes_in``/``bytes_out``, ``connects``/``disconnects`` (clients of the memory
        and TCP links; plug-ins of the pty, which cannot see its clients), ``reconnects`` (a pty
        replaced after a hang-up), ``unplugs``, ``replugs`` and ``auto_unplugs`` (fault plan).
        """
        counters = dict(self._modem.counters) | self._link_counters
        if self._runner is not None:
            counters["bytes_in"] = self._runner.bytes_received
            counters["bytes_out"] = self._runner.output.bytes_written
            for event in ("connect", "disconnect", "reconnect"):
                counters[f"{event}s"] = self._runner.link_events[event]
        return counters

    @property
    def output(self) -> OutputChannel:
        """The wire towards the client, with its own write accounting (``writes``)."""
        return self._started_runner().output

    @property
    def input(self) -> OutputChannel:
        """The wire towards the modem: its ``writes`` say when the device got the client's bytes."""
        return self._started_runner().input

    def complete_messages(self) -> list[CompleteMessage]:
        """Every message whose parts have all been submitted, put back together, in order."""
        return self._modem.complete_messages()

    @property
    def failures(self) -> list[Exception]:
        """Exceptions the device raised (each one is a simulator bug)."""
        return [] if self._runner is None else list(self._runner.failures)

    async def wait_for_submits(self, count: int, timeout: float = 5.0) -> list[Submit]:  # noqa: ASYNC109
        """Return ``submits`` once at least ``count`` were accepted.

        :raises TimeoutError: fewer arrived within ``timeout`` seconds.
        """
        await self.wait_until(lambda: len(self._modem.submits) >= count, timeout=timeout)
        return self._modem.submits

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once ``condition()`` holds; it is checked after every step of the device.

        :raises TimeoutError: it did not hold within ``timeout`` seconds.
        """
        runner = self._started_runner()
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    await runner.wait_changed()
        except TimeoutError as exc:
            raise TimeoutError(f"simulated modem: condition not met within {timeout} s") from exc

    # --- act -------------------------------------------------------------------------------------

    def plan(
        self, recipient: str, outcome: Outcome, *, delay: float = 0.0, temporary_delay: float = 0.0
    ) -> None:
        """Decide what the fake network reports for later submits to ``recipient``."""
        self._modem.plan(recipient, outcome, delay=delay, temporary_delay=temporary_delay)
        self._poke()

    def inject_sms(self, sender: str, text: str, *, direct: bool = False) -> None:
        """Deliver an incoming SMS now: stored with ``+CMTI``, or ``+CMT`` when ``direct``.

        :raises ValueError: for a sender that is not a phone number or an alphanumeric name.
        :raises RuntimeError: the server is not started (the device needs the clock).
        """
        self.inject(IncomingSms(sender, text, direct=direct))

    def inject(self, sms: IncomingSms) -> None:
        """Deliver any kind of incoming SMS now (parts may follow later, or never).

        It arrives whether or not a client holds the port: stored, with the URC lost if nobody
        listens; while unplugged it waits at the SMSC for the replug.

        :raises RuntimeError: the server is not started (the device needs the clock).
        """
        runner = self._started_runner()
        self._modem.inject(sms, now=asyncio.get_running_loop().time())
        runner.poke()

    def preload(self, entries: tuple[Preload, ...]) -> None:
        """Put messages into the memories now, as if they had been there all along.

        :raises ValueError: when they do not fit (nothing is stored then).
        """
        self._modem.preload(entries)
        self._poke()

    def storage(self) -> dict[str, StorageView]:
        """Return every memory's use and contents, keyed by name (``MT`` is a view, left out)."""
        return storage_view(self._modem.storage)

    @property
    def faults(self) -> FaultPlan:
        """The fault plan in force (a spent ``unplug_after_commands`` already cleared)."""
        return self._faults

    def set_faults(self, faults: FaultPlan) -> None:
        """Install a new fault plan on the device and the wire; "nth" counts restart from here."""
        self._faults = faults
        self._modem.set_faults(faults)
        self._unplug_base = self._modem.counters["commands"]
        if self._runner is not None:
            self._runner.set_link_faults(LinkFaults.from_plan(faults))
        self._poke()

    async def unplug(self) -> None:
        """Pull the cable: the path vanishes, an open port errors, nobody can connect (idempotent)."""
        link = self._started_link()
        if link.plugged:
            self._transcript.event("unplug")
            self._link_counters["unplugs"] += 1
            await link.unplug()
            self._modem.power_off()

    async def replug(self, *, reboot: bool = False) -> None:
        """Plug back in at the same path or port; the device keeps its state (idempotent).

        An unplugged dongle has no power: it was unregistered, and what the network had for it
        waited at the SMSC; it arrives now. ``reboot=True`` is the real USB replug: settings (echo,
        CMEE, CNMI) return to power-on values and boot URCs are printed again. ``reboot=False``
        keeps the settings, as if only the data lines had gone. Stored messages survive both.
        """
        link = self._started_link()
        if link.plugged:
            return
        self._modem.power_on(reboot=reboot)
        self._transcript.event("replug")
        self._link_counters["replugs"] += 1
        await link.replug()
        self._poke()

    # --- internals -------------------------------------------------------------------------------

    def _poke(self) -> None:
        if self._runner is not None:
            self._runner.poke()

    def _started_runner(self) -> ModemRunner:
        if self._runner is None:
            raise RuntimeError("the simulator is not started; use 'async with SimulatorServer(...)'")
        return self._runner

    def _started_link(self) -> Link:
        if self._link is None:
            raise RuntimeError("the simulator is not started; use 'async with SimulatorServer(...)'")
        return self._link

    def _after_step(self) -> None:
        """Pull the plug when the fault plan says so (``unplug_after_commands``)."""
        limit = self._faults.unplug_after_commands
        if limit is None or self._link is None or not self._link.plugged:
            return
        if self._modem.counters["commands"] - self._unplug_base >= limit:
            self._faults = _without_auto_unplug(self._faults)
            self._link_counters["auto_unplugs"] += 1
            task = asyncio.get_running_loop().create_task(self.unplug())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


def _without_auto_unplug(plan: FaultPlan) -> FaultPlan:
    """Spend a plan's one-shot unplug, so a replug does not unplug again at once."""
    return dataclasses.replace(plan, unplug_after_commands=None)


def _resolve_profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return get_profile(profile)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
