"""The console's words and pictures: every status explained, signal bars, masking, the day chart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gsmgateway.api.console.pages_overview import modem_card
from gsmgateway.api.console.present import day_chart, shown_number, signal_bars, status_words
from gsmgateway.core.models import MessageStatus, ModemState
from gsmgateway.core.overview import DayFigures


def test_every_status_has_plain_words_and_sent_says_it_waits_for_the_network() -> None:
    for status in MessageStatus:
        assert status_words(status.value) != status.value, status
    assert status_words("sent") == "Waiting for the network to confirm"


@pytest.mark.parametrize(
    ("dbm", "bars"),
    # 27.007 +CSQ: dBm = -113 + 2 * rssi; rssi 31 is -51 dBm or more. Bars as phones show them.
    [(-51, 4), (-73, 4), (-75, 3), (-83, 3), (-85, 2), (-93, 2), (-95, 1), (-109, 1), (-111, 0), (-113, 0),
     (None, 0)],
)  # fmt: skip
def test_signal_bars(dbm: int | None, bars: int) -> None:
    assert signal_bars(dbm) == bars


def test_numbers_are_masked_but_for_the_last_three_digits() -> None:
    assert shown_number("+255712345678", show=False) == "+*********678"
    assert shown_number("+255712345678", show=True) == "+255712345678"


def test_the_chart_stacks_each_day_and_the_tallest_day_fills_the_plot() -> None:
    days = [
        DayFigures(day=date(2026, 3, 1), counts={MessageStatus.DELIVERED: 30, MessageStatus.FAILED: 10}),
        DayFigures(day=date(2026, 3, 2), counts={}),
        DayFigures(day=date(2026, 3, 3), counts={MessageStatus.DELIVERED: 10, MessageStatus.CANCELLED: 99}),
    ]
    chart = day_chart(days)
    first = [bar for bar in chart.bars if bar.x < chart.width / 3]
    assert [bar.css for bar in first] == ["delivered", "failed"]  # delivered at the bottom
    plot = first[0].height + first[1].height
    assert first[0].height == pytest.approx(plot * 0.75)
    assert first[1].y + first[1].height == pytest.approx(first[0].y)  # stacked without a gap
    third = [bar for bar in chart.bars if bar.x > 2 * chart.width / 3]
    assert [bar.css for bar in third] == ["delivered"]  # cancelled is not an outcome of the chart
    assert third[0].height == pytest.approx(plot / 4)
    assert not [bar for bar in chart.bars if chart.width / 3 < bar.x < 2 * chart.width / 3]
    assert [label for _, label in chart.labels] == ["Sun 01", "Mon 02", "Tue 03"]


def test_a_modem_card_shows_what_the_api_item_carries_and_nothing_breaks_on_new_fields() -> None:
    item = {
        "id": "m1", "state": ModemState.DISCONNECTED.value, "signal": None, "operator": None,
        "lastError": "permission denied on /dev/ttyUSB0", "counters": {"sent": 3, "failed": 1},
        "updatedAt": "2026-03-02T09:00:00Z", "reason": "permission", "since": "2026-03-02T08:00:00Z",
        "storage": [{"memory": "SM", "used": 50, "total": 50, "problem": None}], "firmwareVersion": "11.608",
    }  # fmt: skip
    card = modem_card(item, {MessageStatus.DELIVERED: 2, MessageStatus.FAILED: 1})
    assert (card["bars"], card["signal_words"]) == (0, "unknown")
    assert (card["sent_today"], card["failed_today"]) == (2, 1)
    assert card["storage"] == [("SM", "50 of 50")]
    assert card["since_at"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert card["extra"] == {"firmware version": "11.608"}
