"""Which part a status report belongs to: pure rules over the candidates the store found.

A report names its part by TP-MR and recipient, but the MR is a SIM counter that wraps at 256, so
one recipient can have several open parts with the same MR (262 messages to one number do). The
report also carries TP-SCTS, the service centre's time stamp of the submit. So:

1. Exactly one open part with the report's (modem, MR, number) inside the window: that one. Such
   an unambiguous match teaches the modem's SMSC-clock offset (SCTS minus our write time).
2. Several: the one whose submit time is closest to the SCTS (minus the learnt offset); a part
   written after the SCTS (plus tolerance) is never credited. If the two best are within the
   tolerance of each other, nothing is guessed (:attr:`ChoiceKind.AMBIGUOUS`). Before the offset
   is learnt the tolerance is wide, so a close call waits until the offset is known.
3. No open part with that MR: a part whose PDU is known to have been written but whose ``+CMGS``
   answer never came (its message is ``unknown``) may be the one — only if it is the only one
   that fits the time, and never a part whose PDU was not written (such a part has no row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median


@dataclass(frozen=True, kw_only=True)
class PartCandidate:
    """An open part a report might belong to, as the store found it."""

    part_id: int
    message_id: int
    part_no: int
    mr: int | None  # None: PDU written, no +CMGS answer (its message is unknown)
    written_at: datetime | None  # before the PDU left; None for parts stored before the journal
    sent_at: datetime | None  # when +CMGS answered

    @property
    def start(self) -> datetime | None:
        """The earliest the service centre can have stamped this part."""
        return self.written_at or self.sent_at


@dataclass(frozen=True, kw_only=True)
class MatchPolicy:
    """How close in time a report must be to the part it is credited to.

    ``tolerance`` covers the SCTS's whole seconds and the jitter of the network's latency once the
    offset is learnt; ``unlearned_tolerance`` is used before (clocks are assumed roughly right);
    ``max_submit`` is how long after its PDU was written a part without ``+CMGS`` answer can still
    have reached the service centre. ``min_samples`` unambiguous matches make an offset learnt.
    """

    tolerance: timedelta = timedelta(seconds=3)
    unlearned_tolerance: timedelta = timedelta(minutes=2)
    max_submit: timedelta = timedelta(minutes=2)
    min_samples: int = 3
    samples_kept: int = 15


class ChoiceKind(StrEnum):
    """What the evidence says."""

    MATCH = "match"
    AMBIGUOUS = "ambiguous"  # several parts fit equally well: nothing is guessed
    NONE = "none"  # no part fits


@dataclass(frozen=True)
class Choice:
    """The part chosen (for MATCH) or the parts that fit equally (for AMBIGUOUS)."""

    kind: ChoiceKind
    part: PartCandidate | None = None
    rivals: tuple[PartCandidate, ...] = ()


def estimate_offset(samples: Sequence[timedelta], policy: MatchPolicy) -> timedelta | None:
    """Return the SMSC-clock offset (SCTS minus write time) of recent samples; None until enough exist."""
    if len(samples) < policy.min_samples:
        return None
    return timedelta(seconds=median(s.total_seconds() for s in samples[-policy.samples_kept :]))


def choose(
    by_mr: Sequence[PartCandidate],
    written_only: Sequence[PartCandidate],
    *,
    scts: datetime | None,
    offset: timedelta | None,
    policy: MatchPolicy,
) -> Choice:
    """Pick the part a report belongs to (the module docstring gives the rules).

    ``by_mr``: open parts with the report's modem, MR and number inside the window.
    ``written_only``: parts of ``unknown`` messages on that modem to that number whose PDU was
    written but which have no MR.
    """
    if len(by_mr) == 1:
        return Choice(ChoiceKind.MATCH, by_mr[0])
    tolerance = policy.tolerance if offset is not None else policy.unlearned_tolerance
    moment = scts - offset if scts is not None and offset is not None else scts
    if by_mr:
        choice = _closest(by_mr, moment, tolerance)
        if choice.kind is not ChoiceKind.NONE:
            return choice
    return _written_only(written_only, moment, tolerance, offset is not None, policy)


def _distance(part: PartCandidate, moment: datetime) -> timedelta:
    """How far ``moment`` lies outside the part's [written, +CMGS answered] interval."""
    start = part.start
    if start is None:
        return timedelta.max
    end = part.sent_at or start
    return max(timedelta(0), start - moment, moment - end)


def _closest(parts: Sequence[PartCandidate], moment: datetime | None, tolerance: timedelta) -> Choice:
    if moment is None:
        return Choice(ChoiceKind.AMBIGUOUS, rivals=tuple(parts))
    eligible = [p for p in parts if p.start is not None and p.start <= moment + tolerance]
    if not eligible:
        return Choice(ChoiceKind.NONE)
    ranked = sorted(eligible, key=lambda p: _distance(p, moment))
    if len(ranked) == 1 or _distance(ranked[1], moment) - _distance(ranked[0], moment) > tolerance:
        return Choice(ChoiceKind.MATCH, ranked[0])
    best = _distance(ranked[0], moment)
    return Choice(
        ChoiceKind.AMBIGUOUS, rivals=tuple(p for p in ranked if _distance(p, moment) - best <= tolerance)
    )


def _written_only(
    parts: Sequence[PartCandidate],
    moment: datetime | None,
    tolerance: timedelta,
    learnt: bool,
    policy: MatchPolicy,
) -> Choice:
    if not parts:
        return Choice(ChoiceKind.NONE)
    if len(parts) == 1 and (moment is None or not learnt):
        return Choice(ChoiceKind.MATCH, parts[0])  # nothing to weigh it against, nor a clock to trust
    if moment is None:
        return Choice(ChoiceKind.AMBIGUOUS, rivals=tuple(parts))
    fitting = [
        p
        for p in parts
        if p.start is not None and p.start - tolerance <= moment <= p.start + policy.max_submit + tolerance
    ]
    if len(fitting) == 1:
        return Choice(ChoiceKind.MATCH, fitting[0])
    if not fitting:
        return Choice(ChoiceKind.NONE)
    return Choice(ChoiceKind.AMBIGUOUS, rivals=tuple(fitting))
