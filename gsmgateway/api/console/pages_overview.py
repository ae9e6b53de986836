"""The overview: modems, queue, today and the last seven days.

The modems are read through the same picture ``GET /modems`` gives (:func:`modems_json`), so every
field the API learns to show (a state's reason and since when, storage use) appears here too: the
known ones in their own place, any other under "More".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from aiohttp import web

from gsmgateway.api.console.context import MODEM_STATUS, OPERATOR
from gsmgateway.api.console.present import SERIES, SIGNAL_WORDS, day_chart, signal_bars
from gsmgateway.api.console.rendering import render
from gsmgateway.api.render import modems_json
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.overview import StatusCounts

#: Fields of a ``/modems`` item that have their own place on the card.
SHOWN_FIELDS: Final = frozenset(
    {"id", "state", "signal", "operator", "lastError", "counters", "updatedAt", "reason", "since", "storage"}
)
#: Seconds between the overview's own refreshes (script; without it, a meta refresh of twice that).
REFRESH_SECONDS: Final = 10
_SENT_STATUSES: Final = (
    MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED,
)  # fmt: skip


def _words(name: str) -> str:
    """``lastError`` → "last error": an unknown field's name, readable."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


def modem_card(item: dict[str, Any], today: StatusCounts) -> dict[str, Any]:
    """Return what the overview shows about one modem, from its ``/modems`` item and today's counts."""
    signal = item.get("signal")
    bars = signal_bars(signal if isinstance(signal, int) else None)
    extra = {_words(k): v for k, v in item.items() if k not in SHOWN_FIELDS and v not in (None, "", [], {})}
    return {
        **item,
        "bars": bars,
        "signal_words": SIGNAL_WORDS[bars] if signal is not None else "unknown",
        "sent_today": sum(today.get(status, 0) for status in _SENT_STATUSES),
        "failed_today": today.get(MessageStatus.FAILED, 0),
        "unknown_today": today.get(MessageStatus.UNKNOWN, 0),
        "since_at": datetime.fromisoformat(item["since"]) if item.get("since") else None,
        "storage": _storage_rows(item["storage"]),
        "extra": extra,
    }


def _storage_rows(storage: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return (memory, "used of total") rows from a ``/modems`` item's storage use."""
    return [
        (
            entry["memory"],
            f"{entry['used']} of {entry['total']}" if entry["total"] is not None else str(entry["used"]),
        )
        for entry in storage
    ]


async def overview(request: web.Request) -> web.Response:
    """``GET /console/``: are the modems working, is anything stuck, did today's messages go out."""
    operator = request.app[OPERATOR]
    activity = await operator.activity()
    items = modems_json(await request.app[MODEM_STATUS].modem_statuses())["items"]
    cards = [modem_card(item, activity.modems_today.get(item["id"], {})) for item in items]
    today = activity.days[-1]
    context = {
        "modems": cards,
        "queue": activity.queue,
        "today": today,
        "days": activity.days,
        "series": SERIES,
        "chart": day_chart(activity.days),
        "refresh": REFRESH_SECONDS,
    }
    return render(request, "overview.html", context)
