"""One connection to one modem: a reader task, one command in flight, URCs to a queue.

The rules python-gsmmodem breaks (reference §2.3) are structural here:

* One reader task owns the stream and feeds the pure :class:`~gsmgateway.modem.codec.AtCodec`.
  Unsolicited codes go to :attr:`AtSession.urcs` and can never complete or pollute a command;
  the one exception is a line the command itself asked for (``+CPIN:`` answering ``AT+CPIN?``).
* One command or whole transaction at a time, under a lock (``AT+CMGS`` → prompt → PDU → result;
  ``CPMS`` + ``CMGL`` + ``CMGD``), so nothing can be injected while the modem sits at ``"> "``.
* Our own deadlines. A prompt that never comes gets ESC so the modem does not swallow the next
  command as PDU text; a result that never comes after the PDU left is
  :class:`~gsmgateway.core.errors.OutcomeUnknownError`, never retried here. A late final result of a
  timed-out command is recognised and dropped instead of answering the next command.
* The reader never dies silently: end of stream, a read error or a bug marks the session lost,
  fails the command in flight with :class:`~gsmgateway.core.errors.ModemUnavailableError` and sets
  :attr:`AtSession.lost`, which the driver watches to reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Final

from gsmgateway.core.errors import (
    CmeError,
    CmsError,
    ModemCommandError,
    ModemProtocolError,
    ModemTimeoutError,
    ModemUnavailableError,
    OutcomeUnknownError,
)
from gsmgateway.modem.codec import (
    AtCodec,
    Event,
    FinalKind,
    FinalResult,
    Prompt,
    ResponseLine,
    Urc,
    encode_command,
    encode_pdu,
    shown,
)
from gsmgateway.modem.results import ESC, classify_cme, classify_cms, describe_cme, describe_cms
from gsmgateway.modem.transport import ByteStream

logger = logging.getLogger(__name__)
URC_QUEUE_SIZE: Final = 1000
#: Awaited between the ``> `` prompt and the PDU: the last moment at which nothing has been sent.
BeforePdu = Callable[[], Awaitable[None]]


async def stop_task(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait for it to end, never swallowing the caller's own cancellation.

    (``with suppress(CancelledError): await task`` would also swallow a cancel aimed at us.)
    """
    task.cancel()
    await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        logger.error("task %s had failed", task.get_name(), exc_info=task.exception())


@dataclass
class _Pending:
    """The command in flight: what it accepts as its own lines, and how it ends."""

    command: str
    prefix: str | None
    final: asyncio.Future[FinalResult]
    prompt: asyncio.Future[None] | None = None
    lines: list[str] = field(default_factory=list)
    #: End the command at its ``prefix`` line: Wavecom answers ``AT+CPIN?`` without ``OK``.
    done_on_prefix: bool = False


class AtSession:
    """AT command channel over one :class:`ByteStream`; create, :meth:`start`, then :meth:`close`.

    :param stale_grace: how long the next command waits for the late final result of a timed-out
        one before assuming it will never come.
    :param max_timeouts: consecutive timeouts after which the stream is closed (the driver then
        reconnects): a modem that answers nothing is better reopened than waited on.
    """

    def __init__(
        self,
        stream: ByteStream,
        *,
        modem_id: str = "",
        stale_grace: float = 1.0,
        max_timeouts: int = 3,
    ) -> None:
        self.modem_id = modem_id
        self.urcs: asyncio.Queue[Urc] = asyncio.Queue(maxsize=URC_QUEUE_SIZE)
        self.lost = asyncio.Event()
        self.consecutive_timeouts = 0
        self._stream = stream
        self._codec = AtCodec()
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._stale = 0
        self._stale_done = asyncio.Event()
        self._stale_grace = stale_grace
        self._max_timeouts = max_timeouts
        self._reader: asyncio.Task[None] | None = None
        self._discarding = False

    def start(self) -> None:
        """Start the reader task."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name=f"at-reader-{self.modem_id}")

    async def close(self) -> None:
        """Close the stream and stop the reader; idempotent."""
        await self._stream.close()
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await stop_task(reader)
        self._mark_lost()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AtSession]:
        """Hold the channel for several commands; use :meth:`exchange`/:meth:`submit` inside."""
        async with self._lock:
            if self.lost.is_set():
                raise ModemUnavailableError("modem connection lost", modem_id=self.modem_id)
            yield self

    async def escape(self, settle: float) -> None:
        """Send ESC, then ignore the modem's answers for ``settle`` seconds.

        A process that died at the ``"> "`` prompt leaves the modem collecting PDU text, where our
        next ``AT`` would vanish. ESC ends that entry without sending anything; whatever the modem
        answers to it (``OK``, ``ERROR`` or nothing, by vendor) must not answer our next command.
        URCs still reach the queue.
        """
        async with self.transaction():
            self._discarding = True
            try:
                await self._write(ESC)
                await asyncio.sleep(settle)  # a deliberate quiet period, not a wait for an event
            finally:
                self._discarding = False

    async def execute(
        self, command: str, *, within: float, prefix: str | None = None, done_on_prefix: bool = False
    ) -> list[str]:
        """Run one command and return its response lines (final result excluded).

        :param prefix: a URC-looking prefix this command answers with (``+CPIN:``, ``+CREG:``).
        :param done_on_prefix: the ``prefix`` line ends the command; a final result that may
            follow is dropped as late (Wavecom's ``+CPIN: READY`` comes without ``OK``).
        :raises ModemCommandError: ``ERROR``/``+CME ERROR``/``+CMS ERROR`` (subclasses by kind).
        :raises ModemTimeoutError: no final result in time. :raises ModemUnavailableError: gone.
        """
        async with self.transaction():
            return await self.exchange(command, within=within, prefix=prefix, done_on_prefix=done_on_prefix)

    async def exchange(
        self, command: str, *, within: float, prefix: str | None = None, done_on_prefix: bool = False
    ) -> list[str]:
        """Like :meth:`execute`, for use inside :meth:`transaction`."""
        pending = await self._begin(command, prefix, prompt=False)
        pending.done_on_prefix = done_on_prefix and prefix is not None
        try:
            await self._write(encode_command(command))
            final = await self._await_final(pending, within)
        finally:
            self._pending = None
        return self._result(final, pending)

    async def submit(
        self,
        tpdu_length: int,
        pdu_hex: str,
        *,
        prompt_timeout: float,
        result_timeout: float,
        before_pdu: BeforePdu | None = None,
    ) -> list[str]:
        """Run ``AT+CMGS=<length>`` → prompt → PDU → result; inside :meth:`transaction`.

        Before the PDU is written every failure means nothing was sent. After it, a timeout or a
        lost connection is :class:`OutcomeUnknownError`: the SMS may be out, and no retry is made.
        ``before_pdu`` runs once the prompt came; if it raises, ESC ends the prompt (nothing is
        sent) and its exception propagates.
        """
        command = f"AT+CMGS={tpdu_length}"
        pdu_bytes = encode_pdu(pdu_hex)  # a malformed PDU is refused before anything is written
        pending = await self._begin(command, "+CMGS:", prompt=True)
        try:
            await self._write(encode_command(command))
            await self._await_prompt(pending, prompt_timeout)
            if before_pdu is not None:
                try:
                    await before_pdu()
                except BaseException:
                    self._expect_late_result()  # the modem answers the ESC with a final result
                    with suppress(ModemUnavailableError):
                        await self._write(ESC)
                    raise
            try:
                await self._write(pdu_bytes)
                final = await self._await_final(pending, result_timeout)
            except (ModemTimeoutError, ModemUnavailableError) as exc:
                raise OutcomeUnknownError(
                    f"no answer to AT+CMGS after the PDU was sent ({exc}); the SMS may be out",
                    modem_id=self.modem_id,
                ) from exc
        finally:
            self._pending = None
        return self._result(final, pending)

    async def _begin(self, command: str, prefix: str | None, *, prompt: bool) -> _Pending:
        """Wait out a stale final result, then install the pending command."""
        if not self._lock.locked():
            raise RuntimeError("AT exchanges must run inside AtSession.transaction()")
        if self._stale:
            with suppress(TimeoutError):
                async with asyncio.timeout(self._stale_grace):
                    await self._stale_done.wait()
            self._stale = 0
        if self.lost.is_set():
            raise ModemUnavailableError("modem connection lost", modem_id=self.modem_id)
        loop = asyncio.get_running_loop()
        pending = _Pending(command, prefix, loop.create_future(), loop.create_future() if prompt else None)
        self._pending = pending
        return pending

    async def _write(self, data: bytes) -> None:
        """Write to the stream; any failure (also ``OSError`` of a structural stream) is unavailable."""
        try:
            await self._stream.write(data)
        except ModemUnavailableError as exc:
            exc.modem_id = self.modem_id
            raise
        except OSError as exc:
            raise ModemUnavailableError(f"write failed: {exc}", modem_id=self.modem_id) from exc

    async def _await_prompt(self, pending: _Pending, within: float) -> None:
        """Wait for ``"> "``; a final result instead means the modem refused (nothing sent)."""
        waiters: set[asyncio.Future[Any]] = {pending.final}
        if pending.prompt is not None:
            waiters.add(pending.prompt)
        done, _ = await asyncio.wait(waiters, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if pending.final.done():
            final = pending.final.result()  # raises ModemUnavailableError if the link died
            self._result(final, pending)  # raises for an error result
            raise ModemProtocolError(f"{shown(pending.command)} ended with {final.text} before the prompt")
        if not done:
            self._expect_late_result()  # ESC (or the command itself) may still produce a final result
            await self._write(ESC)
            await self._timed_out(pending, within, "no '> ' prompt; sent ESC, nothing was sent")

    async def _await_final(self, pending: _Pending, within: float) -> FinalResult:
        try:
            async with asyncio.timeout(within):
                final = await asyncio.shield(pending.final)
        except TimeoutError:
            self._expect_late_result()
            await self._timed_out(pending, within, "no final result")
        self.consecutive_timeouts = 0
        return final

    async def _timed_out(self, pending: _Pending, within: float, what: str) -> None:
        """Count the timeout, reopen after too many, and raise :class:`ModemTimeoutError`."""
        self.consecutive_timeouts += 1
        if self.consecutive_timeouts >= self._max_timeouts:
            logger.warning(
                "%s: %d timeouts in a row; closing the port", self.modem_id, self.consecutive_timeouts
            )
            await self._stream.close()
        raise ModemTimeoutError(
            f"{shown(pending.command)}: {what} within {within:g}s", modem_id=self.modem_id
        )

    def _result(self, final: FinalResult, pending: _Pending) -> list[str]:
        """Return the response lines, or raise the error the final result stands for."""
        if final.kind is FinalKind.OK:
            return pending.lines
        code = final.code
        where = f"{shown(pending.command)}: {final.text}"
        if final.kind is FinalKind.CMS:
            text = describe_cms(code) if code is not None else "verbose"
            category = classify_cms(code) if code is not None else "transient"
            raise CmsError(f"{where} ({text})", modem_id=self.modem_id, code=code, category=category)
        if final.kind is FinalKind.CME:
            text = describe_cme(code) if code is not None else "verbose"
            category = classify_cme(code) if code is not None else "transient"
            raise CmeError(f"{where} ({text})", modem_id=self.modem_id, code=code, category=category)
        raise ModemCommandError(where, modem_id=self.modem_id)

    async def _read_loop(self) -> None:
        try:
            while True:
                data = await self._stream.read()
                if not data:
                    logger.info("%s: end of stream (unplugged or closed)", self.modem_id)
                    return
                for event in self._codec.feed(data):
                    self._dispatch(event)
        except (ModemUnavailableError, OSError) as exc:
            logger.warning("%s: read failed: %s", self.modem_id, exc)
        except Exception:  # a reader that dies must not die silently (python-gsmmodem §2.3 I)
            logger.exception("%s: AT reader crashed; dropping the connection", self.modem_id)
        finally:
            self._mark_lost()

    def _dispatch(self, event: Event) -> None:
        """Route one codec event to the command in flight or the URC queue."""
        pending = self._pending
        active = pending is not None and not pending.final.done()
        if self._discarding and not isinstance(event, Urc):
            logger.debug("%s: ignored %r after ESC", self.modem_id, event)
        elif isinstance(event, FinalResult):
            if self._stale:
                self._stale -= 1
                if not self._stale:
                    self._stale_done.set()
                logger.debug(  # a timed-out command's answer, or the OK after a done_on_prefix line
                    "%s: dropped late result %r of an earlier command", self.modem_id, event.text
                )
            elif active and pending is not None:
                pending.final.set_result(event)
            else:
                logger.debug("%s: stray final result %r", self.modem_id, event.text)
        elif isinstance(event, Prompt):
            if active and pending is not None and pending.prompt is not None and not pending.prompt.done():
                pending.prompt.set_result(None)
        elif isinstance(event, ResponseLine):
            if active and pending is not None:
                pending.lines.append(event.text)
                self._maybe_done_on_prefix(pending, event.text)
            else:
                logger.debug("%s: stray line %r", self.modem_id, event.text)
        elif (
            active
            and pending is not None
            and pending.prefix is not None
            and event.pdu is None
            and event.text.startswith(pending.prefix)
        ):
            pending.lines.append(event.text)
            self._maybe_done_on_prefix(pending, event.text)
        else:
            self._queue_urc(event)

    def _maybe_done_on_prefix(self, pending: _Pending, line: str) -> None:
        """End a ``done_on_prefix`` command at its line; its own final result, if any, is late."""
        if pending.done_on_prefix and pending.prefix is not None and line.startswith(pending.prefix):
            pending.final.set_result(FinalResult("OK", FinalKind.OK))
            self._expect_late_result()

    def _expect_late_result(self) -> None:
        """Count one final result still to come for a command already over; the next waits for it."""
        self._stale += 1
        self._stale_done.clear()

    def _queue_urc(self, urc: Urc) -> None:
        if self.urcs.full():
            dropped = self.urcs.get_nowait()
            logger.warning(
                "%s: URC queue full; dropped a %s", self.modem_id, dropped.name
            )  # +CLIP has numbers
        self.urcs.put_nowait(urc)

    def _mark_lost(self) -> None:
        """Fail the command in flight and tell the driver the connection is gone."""
        self.lost.set()
        pending = self._pending
        if pending is not None:
            if not pending.final.done():
                pending.final.set_exception(
                    ModemUnavailableError("modem connection lost", modem_id=self.modem_id)
                )
            if pending.prompt is not None and not pending.prompt.done():
                pending.prompt.cancel()
