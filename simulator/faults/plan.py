"""The fault plan: every way a real modem misbehaves, as typed values instead of magic numbers.

Device-level faults (latency, silence, junk, a URC inside a response, CMS/CME errors on a send,
storage full, network loss, SIM removal) are applied by :class:`simulator.device.SimModem`.
Link-level faults (``split_writes``, ``baud_rate``, ``unplug_after_commands``) are read by the
links, which own the bytes on the wire.

"The nth command" and "the nth send" count from the moment the plan is installed (constructor
or ``set_faults``), 1-based, so a test can arm a fault in the middle of a conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from simulator.profiles.memory import Memory


@dataclass(frozen=True)
class CommandMatch:
    """Which commands a fault applies to: by name, by position, or both.

    ``command`` is the name as written after ``AT`` (``+CMGS``, ``+CSQ``, ``Z``, ``&F``; ``""`` is
    a bare ``AT``), compared case-insensitively; ``nth`` counts only matching commands. Neither
    set means every command.
    """

    command: str | None = None
    nth: int | None = None


class SilenceStage(Enum):
    """Where a silenced command stops talking."""

    COMMAND = "command"  # nothing at all: no prompt, no result
    AFTER_PDU = "after_pdu"  # +CMGS only: the SMS is accepted, but +CMGS/OK never comes


@dataclass(frozen=True)
class Silence:
    """A command that is never answered; ``forever`` hangs the firmware from then on.

    ``stage=AFTER_PDU`` is the case a gateway must treat as "outcome unknown": the submit is
    recorded (and reported on) although the TE never hears ``+CMGS``.
    """

    match: CommandMatch = field(default_factory=CommandMatch)
    forever: bool = False
    stage: SilenceStage = SilenceStage.COMMAND


class JunkPlacement(Enum):
    """Where junk bytes go relative to a command's response."""

    BEFORE_RESPONSE = "before"
    INSIDE_RESPONSE = "inside"  # in the middle of the first information line


@dataclass(frozen=True)
class Junk:
    """Garbage on the line (line noise, a firmware debug print, non-UTF-8 bytes)."""

    data: bytes = b"\xff\xfe\x00\x81garbage"
    placement: JunkPlacement = JunkPlacement.BEFORE_RESPONSE
    match: CommandMatch = field(default_factory=CommandMatch)


@dataclass(frozen=True)
class UrcInResponse:
    """An unsolicited line printed between a command's information lines and its final result.

    Defaults to a ``+CMTI`` because that is the one python-gsmmodem lost (reference §2.3 F).
    """

    urc: str = '+CMTI: "SM",1'
    match: CommandMatch = field(default_factory=CommandMatch)


class ErrorFamily(Enum):
    """The result-code family an injected error uses."""

    CMS = "cms"
    CME = "cme"


@dataclass(frozen=True)
class SendError:
    """An ``AT+CMGS`` that fails after the PDU, on the nth send and/or for one recipient.

    With neither ``nth_send`` nor ``recipient`` every send fails.
    """

    code: int = 500
    family: ErrorFamily = ErrorFamily.CMS
    nth_send: int | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class NetworkOutage:
    """Registration lost from the ``start``-th command until before the ``end``-th (None: for good).

    ``start_command=0`` (the default) loses the network the moment the plan is installed.

    While lost, ``+CREG`` reports ``state`` (2 searching by default, 3 denied, 0 not searching),
    unsolicited ``+CREG:`` is printed when enabled, and sends fail with ``+CMS ERROR: 331``.
    """

    start_command: int = 0
    end_command: int | None = None
    state: int = 2


@dataclass(frozen=True)
class FaultPlan:
    """The faults a simulator applies; the default plan is a well-behaved modem."""

    #: Seconds every command line takes before its response starts.
    command_latency: float = 0.0
    #: Extra seconds between Ctrl-Z and ``+CMGS:`` (the network round trip of a submit).
    network_delay: float = 0.0
    silences: tuple[Silence, ...] = ()
    junk: tuple[Junk, ...] = ()
    urcs_in_response: tuple[UrcInResponse, ...] = ()
    send_errors: tuple[SendError, ...] = ()
    #: Memories filled to capacity when the plan is installed (the messages are real and can be
    #: read and deleted to make room, as on a modem whose SIM filled up).
    storage_full: frozenset[Memory] = frozenset()
    network_outage: NetworkOutage | None = None
    #: The SIM is pulled: ``+CME ERROR: 10`` / ``+CMS ERROR: 310``, no registration.
    sim_removed: bool = False
    #: Signal strength ``+CSQ`` (and Huawei ``^RSSI``) report instead of the profile's: 0-31, 99 unknown.
    signal_rssi: int | None = None
    # --- link level: implemented by simulator/links.py -------------------------------------------
    #: Cut every chunk written to the TE into pieces of these sizes (cycled).
    split_writes: tuple[int, ...] = ()
    #: Pace output like a serial line; 115200 8N1 carries 11520 bytes/s. None: no pacing.
    baud_rate: int | None = None
    #: Unplug the device after this many commands (counted by ``SimModem.counters["commands"]``).
    unplug_after_commands: int | None = None

    def __post_init__(self) -> None:
        """Refuse values that would make a test silently meaningless."""
        if self.command_latency < 0 or self.network_delay < 0:
            raise ValueError("latencies must be >= 0")
        if any(size <= 0 for size in self.split_writes):
            raise ValueError("split_writes sizes must be positive")
        if self.baud_rate is not None and self.baud_rate <= 0:
            raise ValueError("baud_rate must be positive")
        if self.signal_rssi is not None and self.signal_rssi not in (*range(32), 99):
            raise ValueError("signal_rssi must be 0-31 or 99")
        if self.network_outage is not None and self.network_outage.state not in (0, 2, 3, 4):
            raise ValueError("an outage registration state must be 0, 2, 3 or 4")
