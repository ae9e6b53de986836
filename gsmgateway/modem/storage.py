"""Reading and deleting stored status reports and received SMS, each as one locked transaction.

Every operation selects its memory with ``AT+CPMS="<mem>"`` (the read/delete slot only), works,
and restores the driver's own memory, all under the session lock so no other command can run with
the wrong memory selected. What is read is deleted, so storage never fills; what cannot be decoded
is deleted too (it would otherwise block the slot forever) and logged with its raw PDU.
"""

from __future__ import annotations

import logging

from gsmgateway.core.errors import ModemCommandError, PduError
from gsmgateway.modem import responses
from gsmgateway.modem.pdu import IncomingSms, StatusReport, decode_deliver, decode_status_report
from gsmgateway.modem.session import AtSession

logger = logging.getLogger(__name__)
SR = "SR"


async def _select(session: AtSession, memory: str, within: float) -> None:
    await session.exchange(f'AT+CPMS="{memory}"', within=within, prefix="+CPMS:")


async def _restore(session: AtSession, memory: str | None, within: float) -> None:
    if memory is not None:
        try:
            await _select(session, memory, within)
        except ModemCommandError as exc:
            logger.warning("%s: could not restore storage %s: %s", session.modem_id, memory, exc)


async def read_report_at(
    session: AtSession, memory: str, index: int, *, home: str | None, within: float
) -> StatusReport | None:
    """Read, delete and return the status report a ``+CDSI: <memory>,<index>`` announced.

    Quectel EC25 announces ``"SM"`` for a report stored in ``"SR"`` (reference §2.1): when the
    announced slot holds no status report, the same index in SR is tried. A slot that holds
    something else (a real SMS in SM) is left alone.
    """
    candidates = [memory] if memory == SR else [memory, SR]
    async with session.transaction():
        try:
            for candidate in candidates:
                report = await _read_one_report(session, candidate, index, within)
                if report is not None:
                    return report
            logger.warning("%s: no status report at %s/%d", session.modem_id, memory, index)
            return None
        finally:
            await _restore(session, home, within)


async def _read_one_report(session: AtSession, memory: str, index: int, within: float) -> StatusReport | None:
    """Return the status report at ``memory``/``index`` (deleting it), or None if there is none."""
    try:
        await _select(session, memory, within)
        entry = responses.parse_cmgr(await session.exchange(f"AT+CMGR={index}", within=within))
    except ModemCommandError as exc:
        logger.info("%s: reading %s/%d failed: %s", session.modem_id, memory, index, exc)
        return None
    if entry is None:
        return None
    try:
        report = decode_status_report(entry.pdu, modem_id=session.modem_id, tpdu_length=entry.length)
    except PduError:
        return None  # not a status report: leave whatever it is where it is
    await session.exchange(f"AT+CMGD={index}", within=within)
    return report


async def sweep_reports(
    session: AtSession, *, home: str | None, within: float, listing_within: float
) -> list[StatusReport]:
    """Read and delete every report in SR storage (``CPMS "SR"`` + ``CMGL=4`` + ``CMGD``).

    ``listing_within`` bounds ``AT+CMGL``, whose answer grows with the storage (50 reports are
    about 9 kB: almost a second at 115200 baud, ten at 9600).
    """
    async with session.transaction():
        try:
            await _select(session, SR, within)
            entries = responses.parse_cmgl(await session.exchange("AT+CMGL=4", within=listing_within))
            reports: list[StatusReport] = []
            for entry in entries:
                try:
                    reports.append(
                        decode_status_report(entry.pdu, modem_id=session.modem_id, tpdu_length=entry.length)
                    )
                except PduError as exc:
                    logger.error("%s: deleting undecodable SR entry %s: %s", session.modem_id, entry.pdu, exc)
                if entry.index is not None:
                    await session.exchange(f"AT+CMGD={entry.index}", within=within)
            return reports
        finally:
            await _restore(session, home, within)


async def drain_received(
    session: AtSession, memory: str, *, home: str | None, within: float, listing_within: float
) -> tuple[list[IncomingSms], list[StatusReport]]:
    """Read and delete every message in ``memory``; status reports found there are returned too."""
    async with session.transaction():
        try:
            await _select(session, memory, within)
            entries = responses.parse_cmgl(await session.exchange("AT+CMGL=4", within=listing_within))
            messages: list[IncomingSms] = []
            reports: list[StatusReport] = []
            for entry in entries:
                _decode_into(session, entry, messages, reports)
                if entry.index is not None:
                    await session.exchange(f"AT+CMGD={entry.index}", within=within)
            return messages, reports
        finally:
            await _restore(session, home, within)


async def read_message_at(
    session: AtSession, memory: str, index: int, *, home: str | None, within: float
) -> IncomingSms | None:
    """Read, delete and return the SMS a ``+CMTI: <memory>,<index>`` announced."""
    async with session.transaction():
        try:
            await _select(session, memory, within)
            entry = responses.parse_cmgr(await session.exchange(f"AT+CMGR={index}", within=within))
            if entry is None:
                return None
            messages: list[IncomingSms] = []
            _decode_into(session, entry, messages, [])
            await session.exchange(f"AT+CMGD={index}", within=within)
            return messages[0] if messages else None
        finally:
            await _restore(session, home, within)


def _decode_into(
    session: AtSession, entry: responses.StoredPdu, messages: list[IncomingSms], reports: list[StatusReport]
) -> None:
    """Decode a stored PDU as an SMS-DELIVER, else as a status report, else log it."""
    try:
        messages.append(decode_deliver(entry.pdu, tpdu_length=entry.length))
        return
    except PduError:
        pass
    try:
        reports.append(decode_status_report(entry.pdu, modem_id=session.modem_id, tpdu_length=entry.length))
    except PduError as exc:
        logger.error("%s: deleting undecodable stored PDU %s: %s", session.modem_id, entry.pdu, exc)
