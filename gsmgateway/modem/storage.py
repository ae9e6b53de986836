"""Stored status reports and received SMS: read, handed to the sink, and only then deleted.

What a modem offers is learnt at initialisation (``AT+CPMS=?``, :class:`StorageLayout`): many
Huawei/ZTE dongles have no ``"SR"`` storage and keep reports in ``"SM"``; Wavecom lists two slots.
Every memory that can hold reports or SMS is swept on its own, one session transaction each
(``AT+CPMS="<mem>"`` → ``AT+CMGL=4`` → sink → ``AT+CMGD``), so one refused memory never stops the
others and a send waits for one memory at most. A memory's trouble is logged once when it starts
and once when it ends, never per poll. A ``+CDSI``/``+CMTI`` read tries the announced memory and,
for reports, where reports were really found before (Quectel EC25 announces ``"SM"`` but stores in
``"SR"``): the place is learnt from the first report found elsewhere. Whatever a slot holds is
collected before it is deleted, so nothing read is ever lost (``modem/collection.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from gsmgateway.core.errors import (
    GatewayError,
    ModemCommandError,
    ModemError,
    ModemProtocolError,
    ModemTimeoutError,
)
from gsmgateway.core.inbox import CollectionSource, PduKind
from gsmgateway.core.records import MemoryUsage
from gsmgateway.modem import responses
from gsmgateway.modem.collection import Collected, Sink, classify
from gsmgateway.modem.session import AtSession

logger = logging.getLogger(__name__)
SR = "SR"
#: Memories that hold SMS or reports, in sweep order. ``MT`` (SM and ME together) only when
#: neither is offered on its own; ``BM`` (cell broadcast) never.
_SWEPT = ("SR", "SM", "ME")
_COMBINED = "MT"
#: Errors that concern one memory (refused, slot invalid, no answer): the others are still swept.
_MEMORY_TROUBLE = (ModemCommandError, ModemTimeoutError, ModemProtocolError)


@dataclass(frozen=True, slots=True)
class StorageLayout:
    """The memories a modem offers for reading (the first slot of ``AT+CPMS=?``) and its home.

    ``home`` is where received SMS are kept (chosen at initialisation); ``readable`` empty means the
    modem would not say (then SR, SM and ME are tried, and what is refused is logged once).
    """

    readable: tuple[str, ...] = ()
    home: str | None = None

    @property
    def swept(self) -> tuple[str, ...]:
        """The memories to sweep, reports first."""
        offered = self.readable or _SWEPT
        chosen = tuple(m for m in _SWEPT if m in offered)
        if not any(m in chosen for m in ("SM", "ME")) and _COMBINED in offered:
            chosen += (_COMBINED,)
        return chosen

    @property
    def has_report_storage(self) -> bool:
        """Whether the modem has a memory of its own for status reports (``"SR"``)."""
        return SR in self.readable


class StorageReader:
    """Sweeps and announced reads for one modem, with what it learnt about the modem's memories.

    :param within: deadline of one command; :param listing_within: of ``AT+CMGL``, whose answer
        grows with the storage (50 reports are about 9 kB: almost a second at 115200 baud).
    """

    def __init__(self, modem_id: str, sink: Sink, *, within: float, listing_within: float) -> None:
        self.modem_id = modem_id
        self.layout = StorageLayout()
        self.usage: dict[str, MemoryUsage] = {}
        self._sink = sink
        self._within = within
        self._listing_within = listing_within
        self._report_places: dict[str, str] = {}  # announced memory → where reports really were

    @property
    def sink(self) -> Sink:
        """Where collected PDUs go before they are deleted."""
        return self._sink

    def use(self, layout: StorageLayout) -> None:
        """Adopt the layout a new connection's initialisation found; forget the old figures."""
        self.layout = layout
        self.usage = {}

    # --- sweeps -------------------------------------------------------------------------------
    async def sweep(self, session: AtSession, source: CollectionSource) -> int:
        """Collect and delete everything stored in every memory; return how many PDUs were collected.

        :raises ModemUnavailableError: the connection went away.
        :raises GatewayError: the sink failed (nothing of that memory was deleted); the sweep stops.
        """
        collected = 0
        for memory in self.layout.swept:
            try:
                collected += await self._sweep_memory(session, memory, source)
            except _MEMORY_TROUBLE as exc:
                self._trouble(memory, f"{type(exc).__name__}: {exc}")
        return collected

    async def _sweep_memory(self, session: AtSession, memory: str, source: CollectionSource) -> int:
        async with session.transaction():
            used, total = await self._select(session, memory)
            if used == 0 and source is not CollectionSource.STARTUP:  # at start-up, list whatever it says
                self._seen(memory, 0, total)
                return 0
            lines = await session.exchange("AT+CMGL=4", within=self._listing_within)
            entries = responses.parse_cmgl(lines)
            batch = [
                classify(e.pdu, tpdu_length=e.length, source=source, memory=memory, index=e.index,
                         modem_id=self.modem_id)
                for e in entries
            ]  # fmt: skip
            await self._hand_over(batch)
            deleted = 0
            for entry in entries:
                if entry.index is not None and await self._delete(session, memory, entry.index):
                    deleted += 1
        remaining = max(0, used - deleted) if used is not None else None
        self._seen(memory, remaining, total)
        return len(batch)

    # --- announced reads ----------------------------------------------------------------------
    async def read_announced(
        self, session: AtSession, memory: str, index: int, source: CollectionSource
    ) -> int:
        """Collect (then delete) what a ``+CDSI``/``+CMTI: <memory>,<index>`` announced; return how many.

        For a report, the memory where reports announced in ``memory`` were found before comes
        first, then the announced one, then SR; a slot holding something else (an SMS in SM) is
        collected too, and the search goes on.
        """
        places = [memory]
        if source is CollectionSource.CDSI:
            learnt = self._report_places.get(memory)
            places = list(dict.fromkeys([*([learnt] if learnt else []), memory, SR]))
            if not self.layout.has_report_storage and self.layout.readable:
                places = [p for p in places if p in self.layout.readable] or [memory]
        found = 0
        async with session.transaction():
            for place in places:
                try:
                    item = await self._read_slot(session, place, index, source)
                except _MEMORY_TROUBLE as exc:
                    logger.debug("%s: reading %s/%d: %s", self.modem_id, place, index, exc)
                    continue
                if item is None:
                    continue
                found += 1
                if source is CollectionSource.CMTI or item.kind is PduKind.REPORT:
                    if item.kind is PduKind.REPORT and place != memory:
                        self._learn_place(memory, place)
                    return found
        if not found:
            logger.info("%s: nothing at %s/%d (already collected?)", self.modem_id, memory, index)
        return found

    async def _read_slot(
        self, session: AtSession, memory: str, index: int, source: CollectionSource
    ) -> Collected | None:
        await self._select(session, memory)
        entry = responses.parse_cmgr(await session.exchange(f"AT+CMGR={index}", within=self._within))
        if entry is None:
            return None
        item = classify(entry.pdu, tpdu_length=entry.length, source=source, memory=memory, index=index,
                        modem_id=self.modem_id)  # fmt: skip
        await self._hand_over([item])
        await self._delete(session, memory, index)
        return item

    def _learn_place(self, announced: str, place: str) -> None:
        if self._report_places.get(announced) != place:
            self._report_places[announced] = place
            logger.info("%s: reports announced in %s are kept in %s", self.modem_id, announced, place)

    # --- one command each ---------------------------------------------------------------------
    async def _select(self, session: AtSession, memory: str) -> tuple[int | None, int | None]:
        """Select ``memory`` for reading and deleting; return its (used, total) when the answer says."""
        lines = await session.exchange(f'AT+CPMS="{memory}"', within=self._within, prefix="+CPMS:")
        try:
            usage = responses.parse_cpms_usage(lines)
        except ModemProtocolError:
            return None, None
        return usage[0] if usage else (None, None)

    async def _hand_over(self, batch: Sequence[Collected]) -> None:
        """Give the batch to the sink; nothing is deleted unless it returns."""
        if batch:
            await self._sink(batch)

    async def _delete(self, session: AtSession, memory: str, index: int) -> bool:
        try:
            await session.exchange(f"AT+CMGD={index}", within=self._within)
        except ModemCommandError as exc:  # collected already; the next sweep reads it again (journaled once)
            logger.warning("%s: could not delete %s/%d: %s", self.modem_id, memory, index, exc)
            return False
        return True

    # --- what /modems shows -------------------------------------------------------------------
    def _seen(self, memory: str, used: int | None, total: int | None) -> None:
        previous = self.usage.get(memory)
        if previous is not None and previous.problem is not None:
            logger.info("%s: storage %s readable again", self.modem_id, memory)
        full = used is not None and total is not None and used >= total > 0
        if full and not (
            previous and previous.used is not None and previous.used >= (previous.total or 0) > 0
        ):
            logger.warning("%s: storage %s is full (%d/%d)", self.modem_id, memory, used, total)
        self.usage[memory] = MemoryUsage(memory=memory, used=used, total=total)

    def _trouble(self, memory: str, problem: str) -> None:
        previous = self.usage.get(memory)
        if previous is None or previous.problem is None:
            logger.warning("%s: cannot read storage %s: %s", self.modem_id, memory, problem)
        self.usage[memory] = MemoryUsage(memory=memory, used=None, total=None, problem=problem[:200])


def is_sink_failure(exc: BaseException) -> bool:
    """Whether ``exc`` came from the sink (the gateway's store), not from the modem."""
    return isinstance(exc, GatewayError) and not isinstance(exc, ModemError)
