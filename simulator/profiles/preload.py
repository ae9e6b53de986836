"""Messages already in a modem's memories when it powers on: old received SMS and old reports.

A SIM that comes out of a phone, or a dongle whose gateway was down for a week, is not empty: it
holds SMS that were never read and status reports that were never collected, and it may be full.
A preload describes them, in one shape for a profile (Python or ``[[preload]]`` in TOML), the
``--preload`` file of the CLI and ``POST /storage`` of the control surface::

    [{"memory": "SM", "kind": "sms", "sender": "+255700000001", "text": "old",
      "sent": "2025-12-31T10:00:00+03:00", "read": false, "count": 40},
     {"memory": "SR", "kind": "report", "recipient": "+255700000002", "mr": 17, "status": 0,
      "sent": "2025-12-31T10:00:05+03:00", "discharged": "2025-12-31T10:00:09+03:00"}]

Times carry a UTC offset; a missing ``sent`` is the network time at power-on, a missing
``discharged`` the ``sent`` time. Reading is strict and reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from simulator.jsonread import ProblemsError, Reader, at
from simulator.profiles.memory import Memory

#: Most copies one entry may ask for (no real memory holds more).
MAX_COUNT: Final = 1000
_ADDRESS: Final = re.compile(r"\+?[0-9]{1,20}|[A-Za-z0-9 ]{1,11}")
_FIELDS: Final = ("memory", "kind", "sender", "recipient", "text", "mr", "status", "sent", "discharged")
_KNOWN: Final = (*_FIELDS, "read", "count")


class PreloadKind(StrEnum):
    """What a preloaded message is."""

    SMS = "sms"  # an SMS-DELIVER someone sent to this SIM
    REPORT = "report"  # an SMS-STATUS-REPORT for something this SIM sent


@dataclass(frozen=True)
class Preload:
    """``count`` identical messages to put in ``memory`` at power-on.

    For an SMS: ``address`` is the sender and ``text`` its text; for a report: ``address`` is the
    recipient, ``mr`` the TP-MR it reports on, ``status`` its TP-ST. ``sent`` is the service-centre
    time stamp (of the SMS, or of the submit a report is about); ``discharged`` a report's TP-DT.
    """

    memory: Memory
    kind: PreloadKind
    address: str
    text: str = ""
    mr: int = 0
    status: int = 0
    sent: datetime | None = None
    discharged: datetime | None = None
    read: bool = True
    count: int = 1


class PreloadError(ProblemsError):
    """A preload that cannot be used as sent; ``problems`` lists every one of them."""

    what = "preload"


def _address(value: str) -> str | None:
    return None if _ADDRESS.fullmatch(value) else "must be +digits, digits, or a name of 1-11 letters"


def _any_text(value: str) -> str | None:
    return None


def _entry(read: Reader, item: object, where: str) -> Preload | None:
    body = read.object(item, where, _KNOWN)
    before = len(read.problems)
    memory = read.choice(body, "memory", where, Memory.SM)
    if memory is Memory.MT:
        read.problem(at(where, "memory"), "must be a memory of its own (SM, ME, SR or BM), not MT")
    kind = read.choice(body, "kind", where, PreloadKind.SMS)
    address_field = "sender" if kind is PreloadKind.SMS else "recipient"
    wrong_field = "recipient" if kind is PreloadKind.SMS else "sender"
    if wrong_field in body:
        read.problem(at(where, wrong_field), f"is not a field of a {kind.value}; use {address_field!r}")
    if isinstance(item, dict) and address_field not in body:
        read.problem(at(where, address_field), "is required")
    entry = Preload(
        memory=memory,
        kind=kind,
        address=read.text(body, address_field, where, _address) or "",
        text=read.text(body, "text", where, _any_text) or "",
        mr=read.whole(body, "mr", where, 0, low=0, high=255) or 0,
        status=read.whole(body, "status", where, 0, low=0, high=255) or 0,
        sent=read.moment(body, "sent", where),
        discharged=read.moment(body, "discharged", where),
        read=read.flag(body, "read", where, default=True),
        count=read.whole(body, "count", where, 1, low=1, high=MAX_COUNT) or 1,
    )
    return entry if len(read.problems) == before else None


def preload_from_json(value: object, where: str = "") -> tuple[Preload, ...]:
    """Read a list of preload entries (decoded JSON, or the ``preload`` array of a TOML file).

    :raises PreloadError: listing every problem.
    """
    read = Reader()
    entries: list[Preload] = []
    if not isinstance(value, list):
        read.problem(where, "must be a list of entries")
    else:
        for index, item in enumerate(value):
            entry = _entry(read, item, f"{where}[{index}]")
            if entry is not None:
                entries.append(entry)
    if read.problems:
        raise PreloadError(read.problems)
    return tuple(entries)


def preload_to_json(entries: tuple[Preload, ...]) -> list[dict[str, Any]]:
    """Write entries in the shape :func:`preload_from_json` reads."""
    return [_entry_json(entry) for entry in entries]


def _entry_json(entry: Preload) -> dict[str, Any]:
    body: dict[str, Any] = {"memory": entry.memory.value, "kind": entry.kind.value}
    if entry.kind is PreloadKind.SMS:
        body |= {"sender": entry.address, "text": entry.text}
    else:
        body |= {"recipient": entry.address, "mr": entry.mr, "status": entry.status}
        body["discharged"] = None if entry.discharged is None else entry.discharged.isoformat()
    body["sent"] = None if entry.sent is None else entry.sent.isoformat()
    return body | {"read": entry.read, "count": entry.count}


def check_fits(entries: tuple[Preload, ...], capacities: Mapping[Memory, int]) -> list[str]:
    """Return a problem for every memory the entries would overfill (capacities from a profile)."""
    wanted: dict[Memory, int] = {}
    for entry in entries:
        wanted[entry.memory] = wanted.get(entry.memory, 0) + entry.count
    return [
        f"{count} messages for {memory.value}, which holds {capacities.get(memory, 0)}"
        for memory, count in wanted.items()
        if count > capacities.get(memory, 0)
    ]
