"""One ModemWorker per configured modem: claim → encode → send every part → record.

The loop, in order: wait (without spinning) while the modem is not ``ready``; respect the modem's
rate limit (messages per minute); claim the oldest due message (compare-and-set, so two workers never
get the same one — it is ``sending`` before ``AT+CMGS``); encode it with a concatenation reference
derived from the message id; send each part and record its TP-MR at once; move it to ``sent``.
Nothing due (or quiet hours) → sleep until woken: by the API on enqueue in ``immediate`` mode, by
the sweep job, or at the next due time. How a failed attempt ends is decided by
:mod:`gsmgateway.messages.dispatch` from the verdict of :mod:`gsmgateway.messages.attempts`.

Multipart messages that break in the middle — the choice made here. A handset reassembles parts
by (originator, concatenation reference), so a message whose first parts left can only be completed
*from the same modem* (same SIM, same originator) with the same reference. Requeueing it would let
another modem finish it with a different originator: the recipient would get fragments. So the
worker resumes in place: when part k > 1 hits an error that proves nothing left (CMS/CME classed
transient, a missing prompt, an answer out of turn, or the modem dropping out), it keeps the message
``sending``, waits briefly (or for the modem to come back) and sends only the remaining parts, with
the same reference, up to ``WorkerOptions.resume_tries`` times. If it still cannot, the message
becomes ``failed`` with "k of n parts sent" (never resent: that would duplicate the parts that
left). An unknown outcome (no ``+CMGS`` after the PDU) is never retried, first part or not.

A configuration-class error (SIM removed, SMSC unknown: the tables in ``modem/results.py``) on the
first part is the modem's fault, not the message's: the message is requeued without spending an
attempt and the worker pauses (``attention_pause``) instead of failing the whole queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config_sections import DispatchMode, ModemConfig
from gsmgateway.core.errors import (
    InvalidNumberError,
    ModemError,
    ModemUnavailableError,
    PduError,
)
from gsmgateway.core.models import ModemState
from gsmgateway.core.numbers import mask_number
from gsmgateway.core.ratelimit import RateLimiter
from gsmgateway.core.records import ClaimedMessage, ModemStatusView
from gsmgateway.messages.attempts import Verdict, judge
from gsmgateway.messages.collection import CollectionService
from gsmgateway.messages.dispatch import DispatchService
from gsmgateway.messages.modem_watch import ModemWatch
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.options import Health
from gsmgateway.modem.pdu import MAX_VALIDITY, MIN_VALIDITY, SubmitPart, encode_sms

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker paces itself; the defaults suit a daemon, tests shorten the waits.

    ``idle_max`` bounds any sleep so a missed wake-up costs at most that long; ``error_pause`` is
    the pause after the store failed; ``resume_*`` govern finishing a broken multipart message.
    """

    mode: DispatchMode = "immediate"
    validity: timedelta = timedelta(hours=24)
    idle_max: float = 300.0
    ready_wait: float = 60.0
    error_pause: float = 5.0
    attention_pause: float = 60.0
    past_due_pause: float = 1.0
    resume_tries: int = 3
    resume_delay: float = 2.0
    stop_grace: float = 120.0


class ModemWorker:
    """Send queued messages through one modem and feed its status reports back to the store."""

    def __init__(
        self,
        modem: ModemConfig,
        driver: ModemDriver,
        dispatch: DispatchService,
        collection: CollectionService,
        *,
        options: WorkerOptions | None = None,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.modem_id = modem.id
        self.driver = driver
        self.options = options or WorkerOptions()
        self._dispatch = dispatch
        self._clock = clock
        self._limiter = RateLimiter(modem.messages_per_minute / 60.0, 1, clock=monotonic)
        self._wakeup = asyncio.Event()
        self._changed = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop_task: asyncio.Task[None] | None = None
        self._written = False  # whether the part being sent has its PDU-written mark
        self._stopping = False
        self._busy = False
        self.generation = 0  # bumped on every observable change; see wait_changed()
        self.passes = 0  # loop passes started (each looks at modem, rate limit and queue afresh)
        self.idle_pass = 0  # the pass after which the worker last went idle
        self.waiting_for = "not started"
        self._collection = collection
        self.watch = ModemWatch(driver, dispatch, collection, notify=self._notify)

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the send loop and the report applier (the driver is started apart)."""
        if self._loop_task is not None:
            return
        self._collection.add_listener(self.watch.collected)
        self.watch.reports_due.set()  # whatever the journal holds for this modem
        self._loop_task = asyncio.create_task(self._run(), name=f"worker-{self.modem_id}")
        self._tasks = [asyncio.create_task(self.watch.apply_reports(), name=f"reports-{self.modem_id}")]

    def stop_claiming(self) -> None:
        """Claim nothing more from now on (the first thing a SIGTERM does); the send in flight goes on."""
        self._stopping = True
        self._wakeup.set()

    async def stop(self) -> None:
        """Stop claiming, then wait only for the message in flight (at most ``stop_grace`` s); idempotent.

        A send cut off by the grace period leaves its message ``sending``; the next start settles
        it by what its parts prove (``unknown`` if a PDU may have left).
        """
        self.stop_claiming()
        task, self._loop_task = self._loop_task, None
        if task is not None:
            if not self._busy:
                task.cancel()
            done, _ = await asyncio.wait({task}, timeout=self.options.stop_grace)
            if not done:
                logger.warning("%s: send still in flight after %ss; abandoning it", self.modem_id,
                               self.options.stop_grace)  # fmt: skip
                task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        for consumer in self._tasks:
            consumer.cancel()
            with suppress(asyncio.CancelledError):
                await consumer
        self._tasks = []
        if self.watch.applying is not None:  # let a report's transaction finish; the rest wait journaled
            await asyncio.wait({self.watch.applying}, timeout=self.options.error_pause)
        self.waiting_for = "stopped"

    def wake(self) -> None:
        """Look at the queue now (a message was queued, the sweep ran, or a test moved the clock)."""
        self._wakeup.set()

    async def wait_changed(self, since: int) -> int:
        """Wait until :attr:`generation` moves past ``since``; return the new generation.

        Tests use it to await an outcome without sleeping: read ``generation``, check, then wait.
        """
        async with self._changed:
            await self._changed.wait_for(lambda: self.generation > since)
            return self.generation

    async def _notify(self) -> None:
        async with self._changed:
            self.generation += 1
            self._changed.notify_all()

    # --- the send loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._step()
            except Exception as exc:  # the store failed (or a bug): never let the worker die
                self.watch.errors["worker"] = f"worker: {exc}"[:200]
                logger.exception("%s: worker step failed; a message left in sending is settled at restart",
                                 self.modem_id)  # fmt: skip
                await self._idle("error", self.options.error_pause)

    async def _step(self) -> None:
        """One pass: wait for the modem, the rate limit or work; or send one message."""
        self._wakeup.clear()  # a wake from here on makes the coming idle return at once
        self.passes += 1
        if self.driver.state is not ModemState.READY:
            await self._wait_for_modem()
            return
        limited = self._limiter.check(self.modem_id)
        if limited > 0:
            await self._idle("rate limit", limited)
            return
        if self._stopping:  # a stop came while this pass waited for the modem or the rate limit
            return
        self._busy = True
        pause = 0.0
        try:
            claimed = await self._dispatch.claim_next(self.modem_id)
            if claimed is not None:
                self._limiter.acquire(self.modem_id)
                pause = await self._send(claimed)
                self.waiting_for = f"settled message {claimed.id}"
                self.watch.after_send()
        finally:
            self._busy = False
        if claimed is None:
            await self._idle(*await self._idle_plan())
        elif pause:
            await self._idle("modem needs attention", pause)  # do not claim the same message in a loop
        else:
            await self._notify()

    async def _idle_plan(self) -> tuple[str, float]:
        """Why we wait and for how long: until the next due message, or until woken."""
        quiet_end = self._dispatch.quiet_until()
        if quiet_end is not None:
            return "quiet hours", self._seconds_until(quiet_end)
        if self.options.mode == "scheduled":
            return "the sweep", self.options.idle_max
        due = await self._dispatch.next_due_at()
        if due is None:
            return "nothing due", self.options.idle_max
        # Due yet unclaimable (past validity, awaiting the expiry job): pause instead of spinning.
        return "next due message", max(self.options.past_due_pause, self._seconds_until(due))

    def _seconds_until(self, moment: datetime) -> float:
        return min(self.options.idle_max, max(0.0, (moment - self._clock()).total_seconds()))

    async def _idle(self, reason: str, seconds: float) -> None:
        """Sleep until woken or ``seconds`` pass; the wake event makes this race-free with enqueue."""
        self.waiting_for = reason
        self.idle_pass = self.passes
        await self._notify()
        with suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.001)):
                await self._wakeup.wait()
        self._wakeup.clear()

    async def _wait_for_modem(self) -> None:
        self.waiting_for = f"modem {self.driver.state}"
        self.idle_pass = self.passes
        await self._notify()
        try:
            await self.driver.wait_ready(timeout=self.options.ready_wait)
        except ModemUnavailableError:
            return
        await self.check_health()  # /modems shows signal and operator as soon as the modem is up

    # --- one message ----------------------------------------------------------------------------
    async def _send(self, claimed: ClaimedMessage) -> float:
        """Send every part of ``claimed`` and settle it: ``sent``, or as the failure decides.

        Returns how long to pause before claiming again: 0 normally; longer when the modem, not the
        message, is the problem (a configuration-class error, or the modem vanished mid-claim).
        """
        self.waiting_for = f"sending message {claimed.id}"
        sent_parts = 0
        self._written = False
        try:
            for part in self._encode(claimed):
                mr = await self._send_part(claimed, part)
                sent_parts += 1
                await self._dispatch.record_part_sent(claimed, part.seq, modem_id=self.modem_id, mr=mr)
            await self._dispatch.mark_sent(claimed, modem_id=self.modem_id)
            logger.info("%s: message %s sent", self.modem_id, claimed.id)
            self.watch.errors.pop("send", None)
            self.watch.errors.pop("worker", None)
            return 0.0
        except Exception as exc:  # a bug counts as "may have left" (attempts.judge): unknown
            verdict = judge(exc)
            self.watch.errors["send"] = f"message {claimed.id}: {exc}"[:200]
            await self._dispatch.mark_attempt_failed(
                claimed, exc, modem_id=self.modem_id, parts_sent=sent_parts, written=self._written
            )
            if verdict is Verdict.NEEDS_ATTENTION and sent_parts == 0:
                return self.options.attention_pause  # do not fail the next message the same way
            if verdict is Verdict.MODEM_DOWN and self.driver.state is ModemState.READY:
                return self.options.error_pause
            return 0.0

    def _encode(self, claimed: ClaimedMessage) -> list[SubmitPart]:
        """Encode the parts; the reference is the message id's low byte, the same on every attempt."""
        validity = min(MAX_VALIDITY, max(MIN_VALIDITY, self.options.validity))
        try:
            return encode_sms(claimed.number, claimed.text, concat_ref=claimed.id % 256, validity=validity)
        except InvalidNumberError as exc:
            raise PduError(f"cannot address {mask_number(claimed.number)}", modem_id=self.modem_id) from exc

    async def _send_part(self, claimed: ClaimedMessage, part: SubmitPart) -> int:
        """Send one part; a later part is retried in place on errors where nothing left (module doc).

        The part's PDU-written mark is recorded between the prompt and the PDU; if the modem then
        refuses it with an error code, the mark is removed again (it did not leave).
        """
        for attempt in range(self.options.resume_tries + 1):
            self._written = False
            try:
                return await self.driver.send_pdu(
                    part, before_pdu=partial(self._mark_written, claimed, part.seq)
                )
            except ModemError as exc:
                if self._written and judge(exc) is not Verdict.MAYBE_SENT:
                    await self._dispatch.forget_part_written(claimed, part.seq)
                    self._written = False
                last_try = attempt == self.options.resume_tries or self._stopping  # stopping: no resume
                if part.seq == 1 or last_try or not judge(exc).may_resume:
                    raise
                logger.warning("%s: message %s part %s/%s: %s; resuming on this modem", self.modem_id,
                               claimed.id, part.seq, part.total, exc)  # fmt: skip
                await self._pause_before_resume(exc, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _mark_written(self, claimed: ClaimedMessage, part_no: int) -> None:
        await self._dispatch.record_part_written(claimed, part_no, modem_id=self.modem_id)
        self._written = True

    async def _pause_before_resume(self, error: ModemError, attempt: int) -> None:
        await asyncio.sleep(self.options.resume_delay * 2**attempt)  # a back-off, not a wait for an event
        if isinstance(error, ModemUnavailableError):  # then give a reconnecting modem time to return
            with suppress(ModemUnavailableError):
                await self.driver.wait_ready(timeout=self.options.ready_wait)

    # --- reports, health, /modems: the watch -----------------------------------------------------
    @property
    def incoming_seen(self) -> int:
        """Batches with received SMS journaled for this modem."""
        return self.watch.incoming_seen

    @property
    def last_error(self) -> str | None:
        """An error that is still current (see :attr:`ModemWatch.last_error`)."""
        return self.watch.last_error

    async def poll_reports(self) -> int:
        """Sweep every memory into the journal and apply what is pending (the scheduled poll)."""
        collected = await self.watch.poll_reports()
        await self._notify()
        return collected

    async def check_health(self) -> Health | None:
        """Ask the modem how it is and save it for ``GET /modems`` (the scheduled health job)."""
        return await self.watch.check_health()

    def status(self, stored: ModemStatusView | None) -> ModemStatusView:
        """Return this modem as ``GET /modems`` shows it."""
        return self.watch.status(stored, now=self._clock())
