"""Records are built with keywords only, and the fast view constructor makes exactly the dataclass's view."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import (
    ClaimedMessage,
    DirectoryEntry,
    EventView,
    MessageView,
    PartView,
    RecipientKind,
    ResolvedRecipient,
    build_message_view,
)

NOW = datetime(2030, 1, 1, 9, tzinfo=UTC)
FIELDS = [f.name for f in dataclasses.fields(MessageView)]


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
    fields: dict[str, Any] = dict(zip(FIELDS, values, strict=True))
    fast = build_message_view(**fields)
    slow = MessageView(**fields)
    assert fast == slow
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)  # every field present, same values
    assert vars(fast) == vars(slow)  # and nothing else
    assert (fast.client_id, fast.staff_id) == (slow.client_id, slow.staff_id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.id = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "arguments"),
    [
        (build_message_view, (1, MessageStatus.QUEUED)),
        (MessageView, (1, MessageStatus.QUEUED)),
        (PartView, (1, "m1", 7, NOW, None, None, None)),
        (EventView, (NOW, None, MessageStatus.QUEUED, "accepted", None, None, 0)),
        (DirectoryEntry, (RecipientKind.CLIENT, "12", "+255712345678", False, None, NOW)),
        (ResolvedRecipient, (RecipientKind.CLIENT, "12", "+255712345678", "local")),
        (ClaimedMessage, (1, "+255712345678", "hi", 1, 1)),
    ],
)
def test_records_refuse_positional_arguments(build: Any, arguments: tuple[object, ...]) -> None:
    with pytest.raises(TypeError):
        build(*arguments)
