"""The fake network behind the modem: TP-MR numbering and per-recipient delivery outcomes.

A submit gets its TP-MR from a SIM counter that wraps 255 → 0 (TS 31.102 EF_SMSS), not from the
PDU (reference §5.9). What the network later reports for it is decided per recipient by
:meth:`FakeNetwork.plan`; unplanned recipients are delivered after the profile's default delay.
A report or SMS that falls due while the modem has no service waits at the SMSC and arrives
when the modem registers again, as store-and-forward does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from simulator.network.clock import NetworkClock
from simulator.pdu import status
from simulator.profiles.model import Profile


class Outcome(StrEnum):
    """What happens to a submitted message in the network."""

    DELIVERED = "delivered"
    TEMPORARY_THEN_DELIVERED = "temporary_then_delivered"
    TEMPORARY_THEN_FAILED = "temporary_then_failed"
    PERMANENT_FAILURE = "permanent_failure"
    VALIDITY_EXPIRED = "validity_expired"
    NO_REPORT = "no_report"


@dataclass(frozen=True)
class RecipientPlan:
    """The outcome for one recipient and when its report(s) arrive, in seconds after the submit."""

    outcome: Outcome
    delay: float = 0.0
    temporary_delay: float = 0.0


@dataclass(frozen=True)
class ReportStep:
    """One status report the network will send: TP-ST and its delay after the submit."""

    tp_st: int
    delay: float


def report_steps(plan: RecipientPlan) -> list[ReportStep]:
    """Return the reports an outcome produces (temporary first, then final), in order.

    Temporary reports use TP-ST 0x20 "congestion, SC still trying" (a gateway must keep waiting);
    the final one follows ``temporary_delay`` seconds later.
    """
    final_at = plan.delay + plan.temporary_delay
    match plan.outcome:
        case Outcome.DELIVERED:
            return [ReportStep(status.RECEIVED_BY_SME, plan.delay)]
        case Outcome.TEMPORARY_THEN_DELIVERED:
            return [
                ReportStep(status.CONGESTION_TRYING, plan.delay),
                ReportStep(status.RECEIVED_BY_SME, final_at),
            ]
        case Outcome.TEMPORARY_THEN_FAILED:
            return [
                ReportStep(status.CONGESTION_TRYING, plan.delay),
                ReportStep(status.NO_RESPONSE_STOPPED, final_at),
            ]
        case Outcome.PERMANENT_FAILURE:
            return [ReportStep(status.NOT_OBTAINABLE, plan.delay)]
        case Outcome.VALIDITY_EXPIRED:
            return [ReportStep(status.VALIDITY_PERIOD_EXPIRED, plan.delay)]
        case Outcome.NO_REPORT:
            return []


def normalise_number(number: str) -> str:
    """Reduce a number to ``+digits`` or ``digits`` so plans match however they were typed."""
    digits = "".join(ch for ch in number if ch in "0123456789")
    return ("+" if number.strip().startswith("+") else "") + digits


class FakeNetwork:
    """TP-MR counter, outcome plans, the clock, and what waits at the SMSC for the modem.

    Store-and-forward: a delivery (report or incoming SMS) that finds the modem without service
    waits until it registers again; one that finds its memory full waits until the modem reports
    memory available. Either way it is delivered again, in the order it first came.
    """

    def __init__(self, profile: Profile, clock: NetworkClock | None = None) -> None:
        self._default = RecipientPlan(Outcome.DELIVERED, profile.default_report_delay)
        self._plans: dict[str, RecipientPlan] = {}
        self._last_mr = -1
        self._last_concat_reference = 0
        self._held: list[Callable[[float], None]] = []
        self._waiting_for_memory: list[Callable[[float], None]] = []
        self.clock = clock or NetworkClock()

    def hold(self, delivery: Callable[[float], None]) -> None:
        """Keep a delivery at the SMSC while the modem has no service."""
        self._held.append(delivery)

    def hold_until_memory(self, delivery: Callable[[float], None]) -> None:
        """Keep a delivery the modem refused with "memory capacity exceeded"."""
        self._waiting_for_memory.append(delivery)

    @property
    def held(self) -> int:
        """How many deliveries wait at the SMSC (for service or for memory)."""
        return len(self._held) + len(self._waiting_for_memory)

    def release(self, now: float) -> None:
        """Deliver what waited for service, in the order it arrived: the modem registered again."""
        waiting, self._held = self._held, []
        for delivery in waiting:
            delivery(now)

    def memory_available(self, now: float) -> None:
        """Deliver what was refused for a full memory again (the modem sent RP-SMMA)."""
        waiting, self._waiting_for_memory = self._waiting_for_memory, []
        for delivery in waiting:
            delivery(now)

    def next_mr(self) -> int:
        """Return the TP-MR for the next submit: the SIM counter + 1, wrapping 255 → 0."""
        self._last_mr = (self._last_mr + 1) % 256
        return self._last_mr

    def next_concat_reference(self, bits: int = 8) -> int:
        """Return the concatenation reference of the next long incoming SMS (1, 2, …, wrapping)."""
        self._last_concat_reference = self._last_concat_reference % ((1 << bits) - 1) + 1
        return self._last_concat_reference

    def set_last_mr(self, value: int) -> None:
        """Set the SIM's Last-Used-TP-MR, e.g. to 254 to test the wrap."""
        if not 0 <= value <= 255:
            raise ValueError("TP-MR is 0-255")
        self._last_mr = value

    def plan(
        self, recipient: str, outcome: Outcome, *, delay: float = 0.0, temporary_delay: float = 0.0
    ) -> None:
        """Decide the outcome of every later submit to ``recipient``.

        :raises ValueError: for negative delays or a recipient without digits.
        """
        if delay < 0 or temporary_delay < 0:
            raise ValueError("delays must be >= 0")
        key = normalise_number(recipient)
        if not key.lstrip("+"):
            raise ValueError(f"recipient {recipient!r} has no digits")
        self._plans[key] = RecipientPlan(Outcome(outcome), delay, temporary_delay)

    def plan_for(self, recipient: str) -> RecipientPlan:
        """Return the plan that applies to ``recipient`` (the default when none was made)."""
        return self._plans.get(normalise_number(recipient), self._default)
