"""The use cases of a modem worker: claim, record each part, and settle the attempt truthfully.

How an attempt ends decides what happens next, by the verdict :mod:`gsmgateway.messages.attempts`
gives the error and by how many parts the worker saw leave:

* the PDU may have left → ``unknown``, never resent automatically — but only if its PDU was
  written (the worker says so): an error before that proves nothing left;
* any failure after a part already left → ``failed`` with the count: resending would duplicate;
* the modem's fault (unavailable, or needs an operator) → back to ``queued`` at once, the attempt
  refunded;
* permanent (or a PDU we cannot build) → ``failed``;
* transient → back to ``queued`` after exponential back-off with jitter, until ``max_attempts``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import GatewayError
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import ClaimedMessage, ModemStatusView
from gsmgateway.messages.attempts import Verdict, judge
from gsmgateway.store.modems import ModemRepository
from gsmgateway.store.repository import MessageRepository

logger = logging.getLogger(__name__)


class DispatchService:
    """What workers and the report poller call; every status change goes through the repository."""

    def __init__(
        self,
        *,
        config: GatewayConfig,
        repository: MessageRepository,
        modems: ModemRepository,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._repository = repository
        self._modems = modems
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def quiet_until(self) -> datetime | None:
        """Return when quiet hours end if they are on now, else None (workers then wait)."""
        now = self._clock()
        quiet = self._config.quiet_hours
        return quiet.ends_after(now) if quiet.contains(now) else None

    async def claim_next(self, modem_id: str) -> ClaimedMessage | None:
        """Move the oldest due message to ``sending`` for ``modem_id``; None if none is due or it is quiet."""
        if self.quiet_until() is not None:
            return None
        return await self._repository.claim_next(modem_id, self._clock())

    async def next_due_at(self) -> datetime | None:
        """When the earliest queued message becomes due, or None: how long a worker may sleep."""
        due = await self._repository.next_due_at(self._clock())
        quiet_end = self.quiet_until()
        if due is not None and quiet_end is not None:
            return max(due, quiet_end)
        return due

    async def record_part_written(self, claimed: ClaimedMessage, part_no: int, *, modem_id: str) -> None:
        """Record, before its PDU's first byte, that part ``part_no`` is being written (the mark)."""
        await self._repository.mark_part_written(
            claimed.id, part_no, modem_id=modem_id, number=claimed.number, written_at=self._clock()
        )

    async def forget_part_written(self, claimed: ClaimedMessage, part_no: int) -> None:
        """Remove the mark of a part the modem refused after its PDU (an error code): it did not leave."""
        await self._repository.forget_part_written(claimed.id, part_no)

    async def record_part_sent(
        self, claimed: ClaimedMessage, part_no: int, *, modem_id: str, mr: int
    ) -> None:
        """Store the TP-MR the modem gave part ``part_no`` (1-based) right after ``+CMGS``."""
        await self._repository.record_part(
            claimed.id, part_no, modem_id=modem_id, mr=mr, number=claimed.number, sent_at=self._clock()
        )

    async def mark_sent(self, claimed: ClaimedMessage, *, modem_id: str) -> MessageStatus:
        """Every part was accepted by the network: ``sending → sent`` (and on, if reports came already).

        The modem's sent counter moves in the same transaction.
        """
        return await self._repository.finish_sending(claimed.id, now=self._clock(), modem_id=modem_id)

    async def mark_attempt_failed(
        self,
        claimed: ClaimedMessage,
        error: BaseException,
        *,
        modem_id: str,
        parts_sent: int,
        written: bool = True,
    ) -> MessageStatus:
        """Settle a failed attempt as the module docstring says; return the new status.

        ``parts_sent`` is how many parts the worker saw the modem accept (``+CMGS``) before ``error``;
        ``written`` whether the failing part's PDU had begun to be written (its mark was recorded).
        """
        now = self._clock()
        code = error.code if isinstance(error, GatewayError) else None
        verdict = judge(error)
        if verdict is Verdict.MAYBE_SENT and not written:
            verdict = Verdict.TRANSIENT  # nothing of this part was written: it cannot have left
        status, reason = self._decide(claimed, error, verdict, parts_sent)
        if status is MessageStatus.QUEUED:
            refund = verdict.modem_at_fault
            delay = timedelta(0) if refund else self._config.retry.delay(claimed.attempt, self._rng)
            await self._repository.requeue(
                claimed.id, now=now, not_before=now + delay, reason=reason, modem_id=modem_id,
                error_code=code, refund_attempt=refund,
            )  # fmt: skip
        elif status is MessageStatus.UNKNOWN:
            status = await self._repository.settle_unknown(
                claimed.id, now=now, reason=reason, modem_id=modem_id, error_code=code
            )
        else:
            await self._repository.transition(
                claimed.id, MessageStatus.SENDING, status, now=now, reason=reason, modem_id=modem_id,
                error_code=code,
            )  # fmt: skip
            if status is MessageStatus.FAILED:
                await self._modems.count(modem_id, failed=1, now=now)
        logger.info("message %s attempt %s on %s: %s → %s", claimed.id, claimed.attempt, modem_id,
                    error, status)  # fmt: skip
        return status

    def _decide(
        self, claimed: ClaimedMessage, error: BaseException, verdict: Verdict, parts_sent: int
    ) -> tuple[MessageStatus, str]:
        detail = str(error) or type(error).__name__
        total = claimed.parts_total
        if verdict is Verdict.MAYBE_SENT:
            which = "the SMS may have left"
            if total > 1:
                which = f"{parts_sent} of {total} parts sent, part {parts_sent + 1} may have left"
            return MessageStatus.UNKNOWN, f"outcome unknown: {which}: {detail}"[:200]
        if parts_sent:
            return MessageStatus.FAILED, f"{parts_sent} of {total} parts sent, then: {detail}"[:200]
        if verdict is Verdict.MODEM_DOWN:
            return MessageStatus.QUEUED, f"modem unavailable: {detail}"[:200]
        if verdict is Verdict.NEEDS_ATTENTION:
            return MessageStatus.QUEUED, f"modem unavailable: modem needs attention: {detail}"[:200]
        if verdict is Verdict.PERMANENT:
            return MessageStatus.FAILED, f"permanent error: {detail}"[:200]
        if claimed.attempt >= self._config.retry.max_attempts:
            return MessageStatus.FAILED, f"retries exhausted after {claimed.attempt}: {detail}"[:200]
        return MessageStatus.QUEUED, f"transient error, will retry: {detail}"[:200]

    async def save_modem_state(
        self,
        modem_id: str,
        state: str,
        *,
        signal: int | None = None,
        operator: str | None = None,
        last_error: str | None = None,
    ) -> None:
        """Record what a worker or the health job learnt about a modem (``GET /modems``)."""
        await self._modems.save_state(
            modem_id, state=state, now=self._clock(), signal=signal, operator=operator, last_error=last_error
        )

    async def list_modems(self) -> list[ModemStatusView]:
        """Every modem with its last state and counters."""
        return await self._modems.list()
