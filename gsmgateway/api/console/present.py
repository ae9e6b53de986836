"""How the console says things: plain words for statuses, signal bars, masked numbers, the day chart.

Pure functions and small values, so the wording and the chart's geometry are tested without a
browser. Each status keeps its technical name beside the words (``sent``: "Waiting for the network
to confirm"), so what the operator reads matches what the API and the logs say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.numbers import mask_number
from gsmgateway.core.overview import DayFigures

S = MessageStatus
STATUS_WORDS: Final[dict[str, str]] = {
    S.QUEUED: "Waiting to be sent",
    S.SENDING: "Being sent now",
    S.SENT: "Waiting for the network to confirm",
    S.DELIVERED: "Delivered to the phone",
    S.UNDELIVERED: "The network could not deliver it",
    S.FAILED: "Not sent",
    S.CANCELLED: "Cancelled before it was sent",
    S.EXPIRED: "Expired: not sent in time, or never confirmed",
    S.UNKNOWN: "Unknown: it may have gone out. Needs a decision",
}
#: CSS tone of each status: good, wait, bad, warn, none.
STATUS_TONE: Final[dict[str, str]] = {
    S.QUEUED: "wait", S.SENDING: "wait", S.SENT: "wait", S.DELIVERED: "good", S.UNDELIVERED: "bad",
    S.FAILED: "bad", S.CANCELLED: "none", S.EXPIRED: "bad", S.UNKNOWN: "warn",
}  # fmt: skip
MODEM_WORDS: Final[dict[str, str]] = {
    "ready": "Ready to send",
    "initialising": "Starting up",
    "disconnected": "Not connected",
    "no_network": "No mobile network",
    "sim_error": "SIM card problem",
    "stopped": "Stopped",
}
#: Statuses whose messages may still change soon: their page refreshes itself.
MOVING: Final = frozenset({S.QUEUED.value, S.SENDING.value, S.SENT.value})
del S


def status_words(status: str) -> str:
    """Return what a message status means, in words an operator understands."""
    return STATUS_WORDS.get(status, status)


def status_tone(status: str) -> str:
    """Return the colour family of a status (``good``, ``wait``, ``bad``, ``warn``, ``none``)."""
    return STATUS_TONE.get(status, "none")


def modem_words(state: str) -> str:
    """Return what a modem state means in words."""
    return MODEM_WORDS.get(state, state.replace("_", " "))


def signal_bars(dbm: int | None) -> int:
    """Return 0-4 bars for a received signal strength in dBm, as a phone would show it.

    Steps follow the usual reading of 27.007 ``+CSQ``: -73 dBm and up is excellent, -83 good,
    -93 fair, -109 marginal; below that (or unknown) no bars.
    """
    if dbm is None:
        return 0
    for bars, floor in ((4, -73), (3, -83), (2, -93), (1, -109)):
        if dbm >= floor:
            return bars
    return 0


SIGNAL_WORDS: Final = ("no signal", "marginal", "fair", "good", "excellent")


def shown_number(number: str | None, *, show: bool) -> str:
    """Return a phone number as this operator may see it: whole with ``sms:read-numbers``, else masked."""
    if number is None:
        return "none"
    return number if show else mask_number(number)


def age_words(since: datetime | None, now: datetime) -> str:
    """Return how long ago ``since`` was, roughly: "3 min", "2 h 5 min", "4 days"."""
    if since is None:
        return ""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds // 86400} days"


#: The chart's series, bottom to top: (label, css class, statuses counted).
SERIES: Final = (
    ("Delivered", "delivered", (MessageStatus.DELIVERED,)),
    ("Waiting for the network", "sent", (MessageStatus.SENT,)),
    ("Failed or expired", "failed", (MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED)),
    ("Unknown", "unknown", (MessageStatus.UNKNOWN,)),
)


@dataclass(frozen=True)
class Bar:
    """One rectangle of the chart, in the SVG's own units."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Chart:
    """A stacked bar per day, drawn by the server as inline SVG; ``labels`` are (x, text)."""

    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    labels: tuple[tuple[float, str], ...]
    top: int


CHART_WIDTH: Final = 560
CHART_HEIGHT: Final = 180
_PLOT_TOP: Final = 10.0
_PLOT_BOTTOM: Final = 150.0


def day_chart(days: Sequence[DayFigures]) -> Chart:
    """Return the geometry of a stacked bar chart of the days' outcomes (heights scaled to the tallest)."""
    slot = CHART_WIDTH / max(1, len(days))
    totals = [sum(day.count(*statuses) for _, _, statuses in SERIES) for day in days]
    top = max([*totals, 1])
    scale = (_PLOT_BOTTOM - _PLOT_TOP) / top
    bars: list[Bar] = []
    for index, day in enumerate(days):
        y = _PLOT_BOTTOM
        for label, css, statuses in SERIES:
            count = day.count(*statuses)
            if count:
                height = count * scale
                y -= height
                title = f"{day.day:%a %d %b}: {count} {label.lower()}"
                bars.append(Bar(index * slot + slot * 0.2, y, slot * 0.6, height, css, title))
    labels = tuple((index * slot + slot / 2, f"{day.day:%a %d}") for index, day in enumerate(days))
    return Chart(CHART_WIDTH, CHART_HEIGHT, _PLOT_BOTTOM, tuple(bars), labels, top)


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """Return ``moment`` in the branch's time zone, to the second (empty for None)."""
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
