"""Pure rules that turn per-part status reports into one message status (the roll-up)."""

from __future__ import annotations

from collections.abc import Sequence

from gsmgateway.core.models import MessageStatus, ReportOutcome


def rollup(parts_total: int, outcomes: Sequence[ReportOutcome | None]) -> MessageStatus | None:
    """Return the status the message should move to, or None to leave it as it is.

    ``outcomes`` holds the latest report of every part recorded so far (None: no report yet).
    Any part failed for good → ``undelivered`` (the text is incomplete for the reader);
    every one of ``parts_total`` parts delivered → ``delivered``; otherwise nothing changes —
    a temporary report (``pending``) keeps the message ``sent``.
    """
    if any(outcome is ReportOutcome.FAILED for outcome in outcomes):
        return MessageStatus.UNDELIVERED
    delivered = sum(1 for outcome in outcomes if outcome is ReportOutcome.DELIVERED)
    if delivered >= parts_total > 0:
        return MessageStatus.DELIVERED
    return None
