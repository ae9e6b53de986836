"""``gsmgateway directory import FILE.csv``: load clients and staff from a CSV file, all or nothing.

The file has a header row with ``kind,id,mobile`` and optionally ``opted_out`` and ``name``
(``kind`` is ``client`` or ``staff``; ``opted_out`` is ``true``/``false``/``1``/``0``/empty). Every
row is checked first; if any is bad, nothing is stored and every bad row is listed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from gsmgateway.core.errors import GatewayError, ValidationError
from gsmgateway.core.records import DirectoryEntry, RecipientKind
from gsmgateway.directory.service import DirectoryService

REQUIRED_COLUMNS = ("kind", "id", "mobile")
OPTIONAL_COLUMNS = ("opted_out", "name")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}
MAX_PROBLEMS_SHOWN = 50


def parse_rows(directory: DirectoryService, text: str) -> list[DirectoryEntry]:
    """Validate and normalise every row of a CSV text.

    :raises ValidationError: listing each bad row (by line number) and the reason.
    """
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise ValidationError(
            f"CSV header must name {', '.join(REQUIRED_COLUMNS)} (and may name "
            f"{', '.join(OPTIONAL_COLUMNS)}); missing: {missing or '-'}, unknown: {unknown or '-'}"
        )
    reader.fieldnames = columns
    entries: list[DirectoryEntry] = []
    problems: list[str] = []
    seen: dict[tuple[RecipientKind, str], int] = {}
    for row in reader:
        line = reader.line_num
        try:
            entry = _entry(directory, row)
        except (GatewayError, ValueError) as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = (entry.kind, entry.entry_id)
        if key in seen:
            problems.append(f"line {line}: {entry.kind} {entry.entry_id!r} already on line {seen[key]}")
        seen[key] = line
        entries.append(entry)
    if problems:
        raise ValidationError(_summary(problems), error_type="invalid_csv")
    return entries


def _entry(directory: DirectoryService, row: dict[str, str | None]) -> DirectoryEntry:
    if None in row:
        raise ValueError("more fields than the header names")
    kind_text = (row.get("kind") or "").strip().lower()
    try:
        kind = RecipientKind(kind_text)
    except ValueError:
        raise ValueError(f"kind must be client or staff, not {kind_text!r}") from None
    opted = (row.get("opted_out") or "").strip().lower()
    if opted not in _TRUE | _FALSE:
        raise ValueError(f"opted_out must be true or false, not {opted!r}")
    return directory.make_entry(
        kind,
        (row.get("id") or "").strip(),
        mobile=row.get("mobile"),
        opted_out=opted in _TRUE,
        name=(row.get("name") or "").strip() or None,
    )


def _summary(problems: Iterable[str]) -> str:
    listed = list(problems)
    shown = listed[:MAX_PROBLEMS_SHOWN]
    more = len(listed) - len(shown)
    tail = f"\n  … and {more} more" if more else ""
    return f"{len(listed)} bad row(s), nothing imported:\n  " + "\n  ".join(shown) + tail


async def import_csv(directory: DirectoryService, text: str) -> int:
    """Validate every row, then store them all in one transaction; return how many were stored."""
    return await directory.put_many(parse_rows(directory, text), changed_by="directory import (CSV)")
