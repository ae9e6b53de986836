"""The live state of an installed :class:`~simulator.faults.plan.FaultPlan`.

The plan is a frozen description; this is its mutable counterpart: how many commands and sends
have gone by since it was installed, which faults hit the command line being answered, and
whether the firmware has hung. It knows nothing of the modem: the device asks it questions
("is this command silenced?", "does this send fail?") and applies the answers itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.commands.base import Command, CommandFailure, cme, cms
from simulator.faults.plan import (
    CommandMatch,
    ErrorFamily,
    FaultPlan,
    Junk,
    JunkPlacement,
    SilenceStage,
    UrcInResponse,
)


@dataclass
class _LineFaults:
    """Faults that hit the command line currently being answered."""

    junk: list[Junk] = field(default_factory=list)
    urcs: list[UrcInResponse] = field(default_factory=list)


class FaultSession:
    """Counts commands and sends against one plan and decides which faults fire."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.hung = False
        self.silence_next_send_result = False
        self._commands = 0
        self._sends = 0
        self._match_counts: dict[tuple[str, int], int] = {}
        self._line = _LineFaults()

    @property
    def outage_state(self) -> int | None:
        """The registration state forced by an outage right now, or None."""
        outage = self.plan.network_outage
        if outage is None or self._commands < outage.start_command:
            return None
        if outage.end_command is not None and self._commands >= outage.end_command:
            return None
        return outage.state

    def before_command(self, command: Command) -> bool:
        """Count ``command`` and decide its faults; return True when it must not be answered."""
        self._commands += 1
        silent = False
        for index, silence in enumerate(self.plan.silences):
            if not self._hits(("silence", index), silence.match, command):
                continue
            if silence.stage is SilenceStage.AFTER_PDU and command.name == "+CMGS":
                self.silence_next_send_result = True
            elif silence.stage is SilenceStage.COMMAND:
                silent = True
                self.hung = self.hung or silence.forever
        for index, junk in enumerate(self.plan.junk):
            if self._hits(("junk", index), junk.match, command):
                self._line.junk.append(junk)
        for index, urc in enumerate(self.plan.urcs_in_response):
            if self._hits(("urc", index), urc.match, command):
                self._line.urcs.append(urc)
        return silent

    def _hits(self, key: tuple[str, int], match: CommandMatch, command: Command) -> bool:
        if match.command is not None and match.command.upper() != command.name:
            return False
        self._match_counts[key] = self._match_counts.get(key, 0) + 1
        return match.nth is None or self._match_counts[key] == match.nth

    def send_error(self, recipient: str) -> CommandFailure | None:
        """Count one submit; return the error the plan injects for it, if any."""
        self._sends += 1
        for error in self.plan.send_errors:
            if error.nth_send is not None and error.nth_send != self._sends:
                continue
            if error.recipient is not None and _digits(error.recipient) != _digits(recipient):
                continue
            return cms(error.code) if error.family is ErrorFamily.CMS else cme(error.code)
        return None

    def shape_output(self, info: bytes, final: bytes) -> bytes:
        """Return a line's response with the URCs and junk its commands attracted."""
        urcs = b"".join(b"\r\n" + u.urc.encode("latin-1") + b"\r\n" for u in self._line.urcs)
        data = info + urcs + final
        for junk in self._line.junk:
            if junk.placement is JunkPlacement.BEFORE_RESPONSE:
                data = junk.data + data
            else:
                cut = min(len(data), 4)  # inside the first line: after "\r\n" and two characters
                data = data[:cut] + junk.data + data[cut:]
        self._line = _LineFaults()
        return data


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch in "0123456789")
