"""Pure parsers for the information lines of the commands the driver uses.

Each takes the response lines of one command (as :meth:`AtSession.execute` returns them) and finds
its own line by prefix, so a vendor line that slipped in (``+QUSIM: 1`` right after boot) is
ignored. Unparseable answers raise :class:`~gsmgateway.core.errors.ModemProtocolError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from gsmgateway.core.decimals import ascii_decimal
from gsmgateway.core.errors import ModemProtocolError

#: ``+CREG`` ``<stat>`` → words; 1 home and 5 roaming are registered.
REGISTRATION: Final = {
    0: "not_registered",
    1: "home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "roaming",
}
#: ``+CREG`` states in which the modem can send.
REGISTERED: Final = frozenset({"home", "roaming"})
_QUOTED: Final = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class StoredPdu:
    """One entry of ``AT+CMGL``/``AT+CMGR`` in PDU mode."""

    index: int | None
    stat: int | None
    length: int | None
    pdu: str


def find(lines: list[str], prefix: str) -> str:
    """Return the arguments of the first line starting with ``prefix`` (``"+CSQ:"``).

    :raises ModemProtocolError: no such line.
    """
    for line in lines:
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise ModemProtocolError(f"expected a {prefix} line, got {lines!r}")


def fields(args: str) -> list[str]:
    """Split comma-separated arguments, dropping quotes and surrounding spaces."""
    return [part.strip().strip('"') for part in args.split(",")]


def ints(args: str) -> list[int | None]:
    """Split arguments into integers; empty or non-numeric fields become None."""
    return [ascii_decimal(f) for f in fields(args)]


def parse_int_field(lines: list[str], prefix: str, position: int = 0) -> int:
    """Return the integer at ``position`` of the ``prefix`` line (``+CMGS: 17`` → 17)."""
    values = ints(find(lines, prefix))
    value = values[position] if position < len(values) else None
    if value is None:
        raise ModemProtocolError(f"no number at position {position} of {prefix} in {lines!r}")
    return value


def parse_csq(lines: list[str]) -> tuple[int | None, int | None]:
    """Return (rssi 0-31, ber) from ``+CSQ``; 99 means unknown and becomes None."""
    values = ints(find(lines, "+CSQ:"))
    rssi = values[0] if values and values[0] != 99 else None
    ber = values[1] if len(values) > 1 and values[1] != 99 else None
    return rssi, ber


def rssi_to_dbm(rssi: int | None) -> int | None:
    """Convert a ``+CSQ`` rssi (0-31) to dBm (27.007 §8.5: 0 → -113 dBm, step 2 dB)."""
    return None if rssi is None else -113 + 2 * rssi


def parse_creg(lines: list[str]) -> str:
    """Return the registration state word from ``+CREG: <n>,<stat>[,…]`` (or the URC form)."""
    values = ints(find(lines, "+CREG:"))
    stat = values[1] if len(values) > 1 else values[0]
    return REGISTRATION.get(stat if stat is not None else 4, "unknown")


def parse_cops(lines: list[str]) -> str | None:
    """Return the operator name from ``+COPS: <mode>[,<format>,<oper>[,<act>]]``, None if absent."""
    match = _QUOTED.search(find(lines, "+COPS:"))
    return match.group(1) if match else None


def parse_cpin(lines: list[str]) -> str:
    """Return the SIM state of ``+CPIN: <state>``: ``READY``, ``SIM PIN``, ``SIM PUK`` and so on."""
    return find(lines, "+CPIN:").strip('"')


def parse_csca(lines: list[str]) -> str | None:
    """Return the SMSC address of ``+CSCA: "<sca>",<tosa>``, None when empty."""
    match = _QUOTED.search(find(lines, "+CSCA:"))
    address = match.group(1).strip() if match else ""
    return address or None


def parse_cpms_test(lines: list[str]) -> list[list[str]]:
    """Return the memories offered per slot by ``AT+CPMS=?`` (two slots on Wavecom)."""
    args = find(lines, "+CPMS:")
    groups = re.findall(r"\(([^()]*)\)", args.replace("((", "(").replace("))", ")"))
    return [[m for m in fields(group) if m] for group in groups]


def parse_cpms_usage(lines: list[str]) -> list[tuple[int, int]]:
    """Return (used, total) per slot from ``+CPMS: <used1>,<total1>,…`` (set or query form)."""
    numbers = [v for v in ints(find(lines, "+CPMS:")) if v is not None]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))


def parse_memory_index(args: str) -> tuple[str, int]:
    """Return (memory, index) from ``+CDSI``/``+CMTI`` arguments: ``"SR",3``.

    :raises ModemProtocolError: malformed arguments.
    """
    parts = fields(args)
    index = ascii_decimal(parts[-1])
    if len(parts) < 2 or index is None:
        raise ModemProtocolError(f"malformed storage notification: {args!r}")
    return parts[0] or "SR", index


def parse_length(args: str) -> int | None:
    """Return the TPDU length that ends ``+CDS: <len>`` / ``+CMT: [<alpha>],<len>`` / ``+CMGR`` args."""
    values = ints(args)
    return values[-1] if values else None


def parse_cmgl(lines: list[str]) -> list[StoredPdu]:
    """Return every ``+CMGL: <index>,<stat>,[<alpha>],<length>`` entry with its PDU line."""
    entries: list[StoredPdu] = []
    header: list[int | None] | None = None
    for line in lines:
        if line.startswith("+CMGL:"):
            header = ints(line[6:])
        elif header is not None:
            entries.append(StoredPdu(header[0], header[1], header[-1], line))
            header = None
    return entries


def parse_cmgr(lines: list[str]) -> StoredPdu | None:
    """Return the entry of ``+CMGR: <stat>,[<alpha>],<length>`` + PDU, None for an empty slot."""
    for position, line in enumerate(lines):
        if line.startswith("+CMGR:") and position + 1 < len(lines):
            header = ints(line[6:])
            return StoredPdu(None, header[0], header[-1], lines[position + 1])
    return None
