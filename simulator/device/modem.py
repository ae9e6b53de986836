r"""``SimModem``: a pure, synchronous virtual GSM modem — bytes in, bytes out, time passed in.

No sockets, threads or clocks: the links feed it what the TE wrote with the current time and
write back what it returns; timed output (latency, delayed status reports) comes out of
``tick(now)``. The command line behaves like V.250: characters in any chunking, echo per
``ATE``, ``\\r`` ends a line, ``A/`` repeats, stray ESC and blank lines are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Final

from simulator.commands import COMMANDS, Handler, answers, run_command
from simulator.commands.base import (
    Command,
    CommandFailure,
    ErrorKind,
    Form,
    PromptKind,
    Reply,
    SyntaxFailure,
    parse_command_line,
)
from simulator.commands.errors import render_failure
from simulator.commands.registration import announce_registration
from simulator.device.line import CR, LineEditor
from simulator.device.schedule import EntryKind, OutputSchedule
from simulator.device.sending import PendingSend, abort_send, finish_send
from simulator.faults.plan import FaultPlan
from simulator.faults.session import FaultSession
from simulator.network.clock import NetworkClock
from simulator.network.incoming import IncomingSms, deliver_incoming
from simulator.network.preload import apply_preload, fill_memory
from simulator.network.smsc import FakeNetwork, Outcome
from simulator.pdu.submit import CompleteMessage, Submit, SubmitLog, reassemble
from simulator.profiles.memory import Memory
from simulator.profiles.model import Profile
from simulator.profiles.preload import Preload
from simulator.state.device_state import DeviceState, SimState
from simulator.state.storage import MessageStorage

LF: Final = 0x0A
CTRL_Z: Final = 0x1A
ESC: Final = 0x1B
MAX_PDU_INPUT: Final = 2048
#: Seconds from a delete that makes room to the SMSC's next delivery attempt (RP-SMMA round trip).
SMMA_DELAY: Final = 1.0
#: What ``SimModem.counters`` counts (all present from the start, so a snapshot always has them).
COUNTERS: Final = (
    "commands",  # every command of every line, answered or not
    "errors",  # commands and sends that ended in an error result
    "ignored_lines",  # lines without an AT prefix (garbage, line noise)
    "submits",  # accepted SMS-SUBMITs (== len(submits))
    "sends_cancelled",  # ESC at the > prompt
    "reports_emitted",  # status reports shown (+CDS) or stored (SR, with or without +CDSI)
    "reports_lost",  # reports the modem dropped: nowhere to keep them, or no SMSC reports on the number
    "incoming",  # injected SMS (a concatenated one counts once)
    "memory_full_refusals",  # deliveries (parts, reports) refused for a full memory; the SMSC retries
    "ack_timeouts",  # +CSMS=1 and no AT+CNMA in time: routing switched off
)


class SimModem:
    """A virtual modem: the contract the links and the server build on.

    ``submits`` holds every accepted SMS-SUBMIT decoded by the simulator's own decoder;
    ``counters`` counts commands, submits, reports, errors and the like for tests to assert on.
    """

    def __init__(
        self, profile: Profile, faults: FaultPlan | None = None, clock: NetworkClock | None = None
    ) -> None:
        self.profile = profile
        self.state = DeviceState.power_on(profile)
        self.storage = MessageStorage(profile)
        self.storage.on_space_freed = self._space_freed
        self.network = FakeNetwork(profile, clock)
        self.submit_log = SubmitLog()
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.handlers: dict[str, Handler] = dict(COMMANDS)
        self._out = OutputSchedule()
        self._now = 0.0
        self._booted = False
        self._boots = 0
        self._editor = LineEditor()
        self._pending: PendingSend | None = None
        self._send_length = 0
        self._send_recipient: str | None = None
        self._held_urcs: list[bytes] = []
        self.preload(profile.preload)
        self.faults = FaultSession(faults or FaultPlan())
        self._install_faults()

    # --- the contract --------------------------------------------------------------------------

    @property
    def submits(self) -> list[Submit]:
        """Every accepted SMS-SUBMIT, decoded by the simulator's own decoder, in order."""
        return self.submit_log.submits

    def feed(self, data: bytes, now: float) -> bytes:
        """Take bytes from the TE (any chunking) and return the bytes due by ``now``."""
        self._advance(now)
        for byte in data:
            if self.faults.hung:
                break
            if self._pending is not None:
                self._pdu_byte(self._pending, byte)
            else:
                self._command_byte(byte)
        return self._drain(now)

    def tick(self, now: float) -> bytes:
        """Let time pass: return everything (reports, URCs, delayed responses) due by ``now``."""
        self._advance(now)
        return self._drain(now)

    def next_deadline(self) -> float | None:
        """Return when :meth:`tick` next has something to do (None: only input can wake it)."""
        if not self._booted:
            return float("-inf") if self.profile.quirks.boot_urcs else None
        return self._out.next_due()

    def connection_reset(self) -> None:
        """Drop the half-typed line and an open ``> `` prompt: the port was closed or reopened."""
        self._editor.reset()
        if self._pending is not None:
            self._pending = None
            self._release_held_urcs()

    def plan(
        self, recipient: str, outcome: Outcome, *, delay: float = 0.0, temporary_delay: float = 0.0
    ) -> None:
        """Decide what the fake network reports for every later submit to ``recipient``."""
        self.network.plan(recipient, outcome, delay=delay, temporary_delay=temporary_delay)

    def inject_sms(self, sender: str, text: str, *, direct: bool = False, now: float) -> None:
        """Deliver an incoming SMS from ``sender``: stored with ``+CMTI`` or direct with ``+CMT``.

        :raises ValueError: for a sender that is not a phone number or an alphanumeric name.
        """
        self.inject(IncomingSms(sender, text, direct=direct), now=now)

    def inject(self, sms: IncomingSms, *, now: float) -> None:
        """Deliver ``sms`` (any kind: see :class:`~simulator.network.incoming.IncomingSms`)."""
        self._advance(now)
        deliver_incoming(self, sms, now)

    def preload(self, entries: tuple[Preload, ...]) -> None:
        """Put messages into the memories as if they had been there at power-on.

        :raises ValueError: when they do not fit (nothing is stored then) or cannot be encoded.
        """
        apply_preload(self.storage, entries, smsc=self.profile.smsc, now=self.network.clock.at(self._now))

    def power_off(self) -> None:
        """Unplugged: no power, so no registration; the network keeps what comes for the modem."""
        self.state.powered = False
        self.connection_reset()
        self.update_registration()

    def power_on(self, *, reboot: bool) -> None:
        """Plugged in again: registers and takes what waited; ``reboot`` resets settings as at power-up."""
        if reboot:
            self.reboot()
        else:
            self.state.powered = True
            self.update_registration()

    def set_faults(self, faults: FaultPlan) -> None:
        """Install a new fault plan; "nth" counters restart from here."""
        self.faults = FaultSession(faults)
        self._install_faults()

    def _install_faults(self) -> None:
        """Apply the plan's standing conditions: SIM, signal, full storage, network."""
        plan, state = self.faults.plan, self.state
        if plan.sim_removed:
            state.sim = SimState.ABSENT
        elif state.sim is SimState.ABSENT:  # SIM put back: locked again if it has a PIN
            state.sim = SimState.PIN if self.profile.sim_pin else SimState.READY
        state.signal_rssi = self.profile.signal_rssi if plan.signal_rssi is None else plan.signal_rssi
        for memory in sorted(plan.storage_full):
            fill_memory(self.storage, memory, smsc=self.profile.smsc, now=self.network.clock.at(self._now))
        self.update_registration()

    def update_registration(self) -> None:
        """Recompute registration, print ``+CREG:`` if asked for, and take what waited for service."""
        if self.state.refresh_registration(self.faults.outage_state):
            announce_registration(self)
        if self.state.registered and self.network.held:
            self.network.release(self._now)

    def _space_freed(self, memory: Memory) -> None:
        """Tell the network "memory available" (RP-SMMA): a delete made room."""
        self.state.full_memories_announced.discard(memory)
        if self.network.held:
            self.schedule_event(self._now + SMMA_DELAY, self.network.memory_available)

    def command_names(self) -> Iterable[str]:
        """Every command this modem answers (``AT+CLAC``)."""
        return [name for name in self.handlers if answers(self.profile, name)]

    def complete_messages(self) -> list[CompleteMessage]:
        """Return every message whose parts have all been submitted, reassembled by concat ref."""
        return reassemble(self.submits)

    def reboot(self) -> None:
        """Power-cycle (USB replug): settings, SIM lock, prompt and a hang reset; storage survives."""
        self.state = DeviceState.power_on(self.profile)
        self._booted = False
        self.faults.hung = False  # a power cycle cures a hung firmware
        self.connection_reset()
        self.update_registration()

    # --- output helpers used by commands and the network ---------------------------------------

    @property
    def now(self) -> float:
        """The time of the input or tick being processed."""
        return self._now

    def emit_urc(self, text: str, due: float | None = None) -> None:
        """Schedule an unsolicited result code (two-line URCs carry CR LF inside ``text``)."""
        self._out.urc(b"\r\n" + text.encode("latin-1") + b"\r\n", self._now if due is None else due)

    def schedule_event(self, due: float, action: Callable[[float], None]) -> None:
        """Run ``action(due)`` at ``due`` (used by the fake network and periodic URCs)."""
        self._out.event(due, action)

    def emit_response(self, data: bytes, delay: float = 0.0) -> None:
        """Put bytes on the response stream, after whatever response is already pending."""
        self._out.response(data, self._now, delay)

    # --- time ----------------------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        self._now = now
        if not self._booted:
            self._booted = True
            self._boot(now)

    def _boot(self, now: float) -> None:
        for urc in self.profile.quirks.boot_urcs:
            self.emit_urc(urc, now)
        self._boots += 1
        interval = self.profile.quirks.periodic_rssi_seconds
        if interval is not None:
            self.schedule_event(now + interval, partial(self._periodic_rssi, interval, self._boots))

    def _periodic_rssi(self, interval: float, boot: int, due: float) -> None:
        if boot != self._boots:
            return  # scheduled before a reboot: the new boot runs its own cycle
        if self.state.periodic_urcs and self.state.powered:  # Huawei AT^CURC=0 silences it
            self.emit_urc(self.profile.quirks.rssi_urc.format(rssi=self.state.signal_rssi), due)
        # after a long gap, one URC and a fresh period, not a backlog of them
        self.schedule_event(max(due, self._now) + interval, partial(self._periodic_rssi, interval, boot))

    def _drain(self, now: float) -> bytes:
        out = bytearray()
        while (entry := self._out.pop_due(now)) is not None:
            if entry.action is not None:  # an EVENT: it may schedule more output, drained below
                entry.action(entry.due)
            elif entry.kind is EntryKind.URC and self._pending is not None and not self._urcs_at_prompt():
                self._held_urcs.append(bytes(entry.data))
            else:
                out += entry.data
        return bytes(out)

    def _urcs_at_prompt(self) -> bool:
        return bool(self.profile.quirks.urcs_around_send)

    def _release_held_urcs(self) -> None:
        for data in self._held_urcs:
            self._out.urc(data, max(self._now, self._out.stream_time))
        self._held_urcs.clear()

    # --- command mode --------------------------------------------------------------------------

    def _command_byte(self, byte: int) -> None:
        if byte == ESC:
            return  # a stray ESC (a driver aborting a prompt that never came) is ignored
        if byte == LF:
            return  # "\r\n" line ends are accepted; the LF is neither echoed nor part of a line
        if self.state.echo:
            self.emit_response(bytes([byte]))
        complete = self._editor.take(byte)
        if complete is not None:
            self._run_line(*complete)

    def _run_line(self, line: str, overflow: bool) -> None:
        stripped = line.strip()
        if not stripped:
            return
        if not stripped[:2].upper() == "AT":
            self.counters["ignored_lines"] += 1
            return
        if overflow:
            self._finish_line([], CommandFailure(ErrorKind.PLAIN))
            return
        self._editor.last_line = stripped
        try:
            commands = parse_command_line(stripped[2:])
        except SyntaxFailure:
            self._finish_line([], CommandFailure(ErrorKind.PLAIN))
            return
        if not commands:  # plain "AT"
            commands = [Command("", Form.EXEC)]
        self._execute(commands)

    def _execute(self, commands: list[Command]) -> None:
        blocks: list[bytes] = []
        for command in commands:
            self.counters["commands"] += 1
            self.state.commands_since_boot += 1
            silenced = self.faults.before_command(command)
            self.update_registration()  # an outage may begin or end with this command
            if silenced:
                return
            try:
                reply = self._dispatch(command)
            except CommandFailure as failure:
                self._finish_line(blocks, failure)
                return
            blocks.append(self._render_info(reply))
            if reply.prompt is not None:
                self._open_prompt(blocks, reply.prompt)
                return
            if not reply.final and command is commands[-1]:
                self._emit_line_output(blocks, b"")
                return
        self._emit_line_output(blocks, b"\r\nOK\r\n")

    def _dispatch(self, command: Command) -> Reply:
        return run_command(self, command)

    @staticmethod
    def _render_info(reply: Reply) -> bytes:
        if not reply.lines:
            return b""
        end = reply.line_end
        return ("\r\n" + "".join(line + end for line in reply.lines)).encode("latin-1")

    def _finish_line(self, blocks: list[bytes], failure: CommandFailure) -> None:
        self.counters["errors"] += 1
        self._emit_line_output(blocks, self.render_final(failure))

    def render_final(self, failure: CommandFailure) -> bytes:
        """Return the error result code for ``failure`` as ``+CMEE`` and the profile want it."""
        text = render_failure(failure, self.state.cmee, self.profile.quirks.unknown_command_text)
        return b"\r\n" + text.encode("latin-1") + b"\r\n"

    def _emit_line_output(self, blocks: list[bytes], final: bytes) -> None:
        data = self.faults.shape_output(b"".join(blocks), final)
        self.emit_response(data, self.faults.plan.command_latency)

    # --- PDU / text entry after "> " -------------------------------------------------------------

    def _open_prompt(self, blocks: list[bytes], kind: PromptKind) -> None:
        self._pending = PendingSend(kind=kind, length=self._send_length, recipient=self._send_recipient)
        self._emit_line_output(blocks, self._prompt_bytes())

    def _prompt_bytes(self) -> bytes:
        lead = "".join(f"\r\n{urc}\r\n" for urc in self.profile.quirks.urcs_around_send)
        return (lead + "\r\n> ").encode("latin-1")

    def expect_submit(self, length: int, recipient: str | None = None) -> None:
        """Remember the ``AT+CMGS`` argument (PDU length or text-mode number) for the prompt."""
        self._send_length = length
        self._send_recipient = recipient

    def _pdu_byte(self, pending: PendingSend, byte: int) -> None:
        if byte == ESC:
            self._pending = None
            abort_send(self)
            self._release_held_urcs()
            return
        if byte == CTRL_Z:
            self._pending = None
            finish_send(self, pending)
            self._release_held_urcs()
            return
        if self.state.echo:
            self.emit_response(bytes([byte]))
        if pending.kind is PromptKind.TEXT and byte == CR:
            pending.body.append(LF)
            self.emit_response(b"\r\n> ")
        elif len(pending.body) < MAX_PDU_INPUT:
            pending.body.append(byte)
        else:
            pending.overflow = True
