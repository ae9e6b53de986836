"""JSON rendering details that every endpoint relies on: masking and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gsmgateway.api.render import iso, message_json, messages_json
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.numbers import mask_number
from gsmgateway.core.records import RecipientKind, build_message_view


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+255712345678", "+*********678"),
        ("0712345678", "*******678"),
        ("12", "12"),
        (None, None),
    ],
)
def test_mask_number_keeps_only_the_last_three_digits(number: str | None, masked: str | None) -> None:
    assert mask_number(number) == masked


def test_iso_is_utc_with_z_and_treats_naive_as_utc() -> None:
    east_africa = timezone(timedelta(hours=3))
    assert iso(datetime(2030, 1, 1, 9, tzinfo=east_africa)) == "2030-01-01T06:00:00Z"
    assert iso(datetime(2030, 1, 1, 6)) == "2030-01-01T06:00:00Z"
    assert iso(datetime(2030, 1, 1, 6, tzinfo=UTC)) == "2030-01-01T06:00:00Z"
    assert iso(None) is None


def test_mask_fast_path_agrees_with_the_general_rule() -> None:
    for number in ("+1", "+12", "+123", "+1234", "+255712345678", "+2557123456789012"):
        digits = number[1:]
        expected = "+" + "".join("*" if i < len(digits) - 3 else d for i, d in enumerate(digits))
        assert mask_number(number) == expected


def test_the_per_answer_memo_never_answers_for_another_moment() -> None:
    east_africa = timezone(timedelta(hours=3))
    base = datetime(2030, 1, 1, 6, tzinfo=UTC)
    moments = [base, base, base + timedelta(microseconds=1), base.astimezone(east_africa), base]
    moments += [datetime(2030, 1, 1, 6), datetime(2030, 1, 1, 7), base + timedelta(days=1)]
    views = [
        build_message_view(
            id=n, status=MessageStatus.QUEUED, recipient_kind=RecipientKind.CLIENT, recipient_id="1",
            number="+255712345678", message="x", parts_total=1, attempts=0, external_id=None,
            send_at=moment if n % 2 else None, created_at=moment, updated_at=moments[-1 - n],
            status_reason=None, modem_id=None,
        )
        for n, moment in enumerate(moments)
    ]  # fmt: skip
    expected = [
        "2030-01-01T06:00:00Z", "2030-01-01T06:00:00Z", "2030-01-01T06:00:00.000001Z",
        "2030-01-01T06:00:00Z", "2030-01-01T06:00:00Z",
        "2030-01-01T06:00:00Z", "2030-01-01T07:00:00Z", "2030-01-02T06:00:00Z",
    ]  # fmt: skip
    rendered = messages_json(views, show_number=False)
    assert [item["createdAt"] for item in rendered] == expected
    assert [item["updatedAt"] for item in rendered] == expected[::-1]
    assert rendered == [message_json(v, show_number=False) for v in views]
