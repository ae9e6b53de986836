"""Lists: filters, newest first, keyset cursors that neither skip nor repeat a row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gsmgateway.core.errors import MessageNotFoundError, ValidationError
from gsmgateway.core.models import MessageStatus as S
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery
from gsmgateway.wiring import Services
from tests.store.conftest import Clock, submit


def _q(**kw: object) -> MessageQuery:
    base: dict[str, object] = dict.fromkeys(
        ("status", "client_id", "staff_id", "created_from", "created_to", "cursor")
    )
    base["limit"] = 50
    base.update(kw)
    return MessageQuery(**base)  # type: ignore[arg-type]


async def test_pages_cover_every_row_once_newest_first(stack: Services, caller: Caller, clock: Clock) -> None:
    ids = []
    for i in range(23):
        ids.append((await submit(stack, caller, f"m{i}")).id)
        if i % 3 == 0:
            clock.advance(timedelta(seconds=1))  # some rows share a created_at: the id breaks the tie
    seen: list[int] = []
    cursor = None
    while True:
        page = await stack.messages.list(_q(limit=5, cursor=cursor))
        seen.extend(m.id for m in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(ids, reverse=True)


async def test_filters_by_status_recipient_and_time(stack: Services, caller: Caller, clock: Clock) -> None:
    a = await submit(stack, caller, "a", client="12")
    clock.advance(timedelta(minutes=1))
    b = await submit(stack, caller, "b", client="13")
    clock.advance(timedelta(minutes=1))
    c = await submit(stack, caller, "c", staff="7")
    await stack.messages.cancel(b.id, caller=caller)
    assert [m.id for m in (await stack.messages.list(_q(status=S.CANCELLED))).items] == [b.id]
    assert [m.id for m in (await stack.messages.list(_q(status=S.QUEUED))).items] == [c.id, a.id]
    assert [m.id for m in (await stack.messages.list(_q(client_id="12"))).items] == [a.id]
    assert [m.id for m in (await stack.messages.list(_q(staff_id="7"))).items] == [c.id]
    assert [m.id for m in (await stack.messages.list(_q(client_id="7"))).items] == []
    window = _q(created_from=b.created_at, created_to=c.created_at)
    assert [m.id for m in (await stack.messages.list(window)).items] == [b.id]


@pytest.mark.parametrize("cursor", ["garbage", "", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMXwx"])
async def test_bad_cursor_is_a_validation_error(stack: Services, cursor: str) -> None:
    with pytest.raises(ValidationError) as caught:
        await stack.messages.list(_q(cursor=cursor))
    assert caught.value.field == "cursor"


@pytest.mark.parametrize("limit", [0, 501, -1])
async def test_limit_outside_1_to_500_is_refused(stack: Services, limit: int) -> None:
    with pytest.raises(ValidationError, match="limit"):
        await stack.messages.list(_q(limit=limit))


async def test_get_unknown_message_is_not_found(stack: Services) -> None:
    with pytest.raises(MessageNotFoundError):
        await stack.messages.get(424242)
