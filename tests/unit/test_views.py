"""The fast view constructor makes exactly the view the dataclass constructor makes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessageView, RecipientKind, build_message_view

NOW = datetime(2030, 1, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "values",
    [
        (1, MessageStatus.QUEUED, RecipientKind.CLIENT, "12", "+255712345678", "hi", 1, 0, None, None,
         NOW, NOW, None, None),
        (2**62, MessageStatus.FAILED, RecipientKind.STAFF, "7", "+1", None, 6, 3, "x-1", NOW, NOW, NOW,
         "no credit", "m1"),
    ],
)  # fmt: skip
def test_build_message_view_equals_the_constructor(values: tuple[object, ...]) -> None:
    fast = build_message_view(*values)  # type: ignore[arg-type]
    slow = MessageView(*values)  # type: ignore[arg-type]
    assert fast == slow
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)  # every field present, same values
    assert vars(fast) == vars(slow)  # and nothing else
    assert (fast.client_id, fast.staff_id) == (slow.client_id, slow.staff_id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.id = 3  # type: ignore[misc]
