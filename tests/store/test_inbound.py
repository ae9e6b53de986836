"""Received SMS: journaled PDUs become messages once, joined, matched, with keywords and webhook events.

PDUs are built as the network sends them by the simulator's own encoder (TS 23.040 §9.2.2.1),
journaled through the collection service the driver's sink calls, and processed by the inbound
service — on a real SQLite file and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_inbound import InboundConfig, WebhookConfig
from gsmgateway.core.config_sections import DirectoryConfig
from gsmgateway.core.errors import RecipientError, StoreError
from gsmgateway.core.inbound import (
    Candidate,
    InboundQuery,
    InboundState,
    KeywordResult,
    MatchStatus,
    PayloadEncoding,
    SenderMatch,
)
from gsmgateway.core.inbox import CollectionSource, InboxOutcome, NewInboxEntry, PduKind
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.directory.sender_match import SenderMatcher
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.inbound import GAP, InboundService, assemble
from gsmgateway.modem.collection import classify
from gsmgateway.modem.deliver import decode_received
from gsmgateway.store.db import Database
from gsmgateway.store.directory_entries import DirectoryRepository
from gsmgateway.store.inbound import InboundRepository, KeywordPolicy, NewPart, PartResult
from gsmgateway.store.inbound_queries import InboundQueries
from gsmgateway.store.statistics import StatisticsQueries
from gsmgateway.store.tables import (
    directory_events,
    inbound_messages,
    inbound_parts,
    messages,
    modem_inbox,
    webhook_outbox,
)
from gsmgateway.wiring import Services
from simulator.pdu.encode import DCS_8BIT, deliver
from tests.inbound import SENT, deliver_pdus, receive
from tests.store.conftest import Clock, OpenStack, submit

CLIENT_NUMBER = "+255712345678"
SHARED_NUMBER = "+255700000099"
HOOK = WebhookConfig(url="http://127.0.0.1:9/hook", secret="s" * 16)


def pdus(text: str, *, sender: str = CLIENT_NUMBER, **extra: Any) -> list[str]:
    return deliver_pdus(text, sender=sender, **extra)


@pytest.fixture
def config(make_config: Callable[..., GatewayConfig]) -> GatewayConfig:
    return make_config(directory=DirectoryConfig(default_country_code="255"), webhooks=(HOOK,))


@pytest.fixture
async def two_way(open_stack: OpenStack, config: GatewayConfig, clock: Clock) -> Services:
    services = await open_stack(config)
    await services.outbox.sync_endpoints(config.webhooks, now=clock())
    directory = services.directory
    await directory.put(RecipientKind.CLIENT, "12", mobile=CLIENT_NUMBER, opted_out=False, name="Asha")
    await directory.put(RecipientKind.CLIENT, "30", mobile=SHARED_NUMBER, opted_out=False, name="Joint")
    await directory.put(RecipientKind.STAFF, "7", mobile=SHARED_NUMBER, opted_out=False, name="Officer")
    return services


async def listed(stack: Services, **filters: object) -> list[tuple[str | None, InboundState, MatchStatus]]:
    page = await stack.inbound.list(InboundQuery(**filters))  # type: ignore[arg-type]
    return [(item.text, item.state, item.match_status) for item in page.items]


async def outbox_rows(stack: Services, event_type: str) -> list[int]:
    async with stack.database.read.connect() as conn:
        rows = await conn.scalars(
            select(webhook_outbox.c.subject_id)
            .where(webhook_outbox.c.event_type == event_type)
            .order_by(webhook_outbox.c.id)
        )
        return list(rows)


async def test_a_message_is_stored_matched_and_announced(two_way: Services) -> None:
    summary = await receive(two_way, pdus("Paid yesterday, 25,000 TZS. § ok?"))
    assert (summary.stored, summary.received) == (1, 1)
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert item.text == "Paid yesterday, 25,000 TZS. § ok?"
    assert (item.state, item.encoding, item.sender) == (
        InboundState.COMPLETE,
        PayloadEncoding.GSM7,
        CLIENT_NUMBER,
    )
    assert (item.match_status, item.client_id, item.staff_id) == (MatchStatus.MATCHED, "12", None)
    assert item.sent_at == SENT
    assert await outbox_rows(two_way, "inbound.received") == [item.id]


async def test_the_same_part_read_twice_is_stored_once(two_way: Services) -> None:
    (first,) = pdus("kill -9 between store and delete")
    # The same SMS handed over again, now without the SMSC address (as +CMT shows it on some
    # modems): a journal entry of its own, the very same part.
    (again,) = pdus("kill -9 between store and delete", smsc="")
    await receive(two_way, [first])
    summary = await receive(two_way, [again])
    assert (summary.stored, summary.duplicates) == (0, 1)
    assert len((await two_way.inbound.list(InboundQuery())).items) == 1
    assert await outbox_rows(two_way, "inbound.received") == [1]


async def test_two_messages_in_the_same_second_stay_two(two_way: Services) -> None:
    await receive(two_way, pdus("first") + pdus("second"))
    assert sorted(text or "" for text, *_ in await listed(two_way)) == ["first", "second"]


@pytest.mark.parametrize("bits", [8, 16])
async def test_concatenated_parts_in_any_order_join(two_way: Services, bits: int) -> None:
    text = "Habari! " * 45 + "[€] mwisho"  # 3 GSM-7 parts, extension characters at the end
    await receive(two_way, pdus(text, bits=bits, reference=0x1234 if bits == 16 else 0x42, order=[3, 1]))
    assert await listed(two_way) == []  # not received yet: a part is missing
    await receive(two_way, pdus(text, bits=bits, reference=0x1234 if bits == 16 else 0x42, order=[2]))
    assert await listed(two_way) == [(text, InboundState.COMPLETE, MatchStatus.MATCHED)]


async def test_unicode_with_emoji_over_two_parts(two_way: Services) -> None:
    text = "Asante sana 🙏🏽 " + "ü" * 70 + " 😀"
    await receive(two_way, pdus(text, order=[2, 1]))
    ((got, state, _),) = await listed(two_way)
    assert (got, state) == (text, InboundState.COMPLETE)


async def test_a_part_that_never_comes_shows_incomplete_after_the_timeout(
    two_way: Services, clock: Clock
) -> None:
    text = "x" * 153 + "y" * 153 + "z" * 10
    await receive(two_way, pdus(text, order=[1, 3]))
    assert await two_way.inbound.expire_partial() == []
    clock.advance(timedelta(seconds=InboundConfig().concat_timeout_seconds + 1))
    (expired,) = await two_way.inbound.expire_partial()
    assert await listed(two_way) == [
        ("x" * 153 + GAP + "z" * 10, InboundState.INCOMPLETE, MatchStatus.MATCHED)
    ]
    detail = await two_way.inbound.get(expired)
    assert detail.missing_parts == (2,)
    await receive(two_way, pdus(text, order=[2]))  # late, but it still completes the message
    assert await listed(two_way) == [(text, InboundState.COMPLETE, MatchStatus.MATCHED)]
    assert await outbox_rows(two_way, "inbound.received") == [expired, expired]


async def test_8bit_data_is_kept_as_hex(two_way: Services) -> None:
    data = bytes(range(0, 256, 5))
    pdu = deliver(smsc="", sender=CLIENT_NUMBER, data=data, dcs=DCS_8BIT, sent=SENT).hex
    await receive(two_way, [pdu])
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert (item.text, item.data_hex, item.encoding) == (None, data.hex().upper(), PayloadEncoding.DATA)


@pytest.mark.parametrize(
    ("sender", "status"),
    [("+255799999999", MatchStatus.UNMATCHED), ("MPESA", MatchStatus.UNMATCHED),
     (SHARED_NUMBER, MatchStatus.AMBIGUOUS), ("0712345678", MatchStatus.MATCHED)],
)  # fmt: skip
async def test_sender_matching(two_way: Services, sender: str, status: MatchStatus) -> None:
    await receive(two_way, pdus("hello", sender=sender))
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert item.match_status is status
    assert (
        item.candidates
        == {MatchStatus.UNMATCHED: 0, MatchStatus.MATCHED: 1, MatchStatus.AMBIGUOUS: 2}[status]
    )
    assert (await listed(two_way, match_status=status)) != []


async def test_stop_opts_out_and_start_opts_in(two_way: Services) -> None:
    await receive(two_way, pdus("  Stöp "))  # trimmed, case and accents ignored
    with pytest.raises(RecipientError) as refused:
        await two_way.directory.resolve(RecipientKind.CLIENT, "12")
    assert refused.value.reason == "opted_out"
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert (item.keyword, item.keyword_result) == ("opt_out", KeywordResult.APPLIED)
    detail = await two_way.inbound.get(item.id)
    assert detail.change is not None
    assert (detail.change.kind, detail.change.entry_id, detail.change.change) == ("client", "12", "opted_out")
    await receive(two_way, pdus("START"))
    assert (await two_way.directory.resolve(RecipientKind.CLIENT, "12")).number == CLIENT_NUMBER
    async with two_way.database.read.connect() as conn:
        events = (await conn.execute(select(directory_events.c.change, directory_events.c.inbound_id))).all()
    assert [tuple(e) for e in events] == [("opted_out", item.id), ("opted_in", item.id + 1)]


@pytest.mark.parametrize("text", ["stop please", "STOP STOP", "S T O P"])
async def test_only_the_whole_message_is_a_keyword(two_way: Services, text: str) -> None:
    await receive(two_way, pdus(text))
    assert (await two_way.directory.resolve(RecipientKind.CLIENT, "12")).number == CLIENT_NUMBER


async def test_a_shared_number_opts_nobody_out(two_way: Services) -> None:
    await receive(two_way, pdus("STOP", sender=SHARED_NUMBER))
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert item.keyword_result is KeywordResult.AMBIGUOUS
    assert (await two_way.directory.resolve(RecipientKind.STAFF, "7")).number == SHARED_NUMBER
    assert (await two_way.directory.resolve(RecipientKind.CLIENT, "30")).number == SHARED_NUMBER


async def test_confirmation_replies_are_queued_once_when_configured(
    open_stack: OpenStack, config: GatewayConfig
) -> None:
    services = await open_stack(
        GatewayConfig(**{**config.__dict__, "inbound": InboundConfig(confirm_keywords=True)})
    )
    await services.directory.put(RecipientKind.CLIENT, "12", mobile=CLIENT_NUMBER, opted_out=False, name=None)
    woken: list[bool] = []
    services.inbound.add_queued_listener(lambda: woken.append(True))
    await receive(services, pdus("stop"))
    (item,) = (await services.inbound.list(InboundQuery())).items
    assert item.reply_message_id is not None
    assert woken == [True]
    reply = await services.messages.get(item.reply_message_id)
    assert (reply.message.status, reply.message.client_id) == (MessageStatus.QUEUED, "12")
    assert reply.message.message == InboundConfig().opt_out_reply
    async with services.database.read.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(messages)) == 1


async def test_a_journaled_deliver_that_cannot_be_decoded_is_kept_and_settled(two_way: Services) -> None:
    broken = pdus("fine")[0][:-4]  # TP-UDL says 4 septets; two octets of user data are missing
    await two_way.collection.inbox.add(
        [NewInboxEntry(modem_id="m1", kind=PduKind.DELIVER, source=CollectionSource.CMTI, memory="SM", slot=1,
                       pdu=broken)],
        now=SENT,
    )  # fmt: skip
    summary = await two_way.inbound.process_pending()
    assert (summary.undecodable, summary.stored) == (1, 0)
    async with two_way.database.read.connect() as conn:
        kept = (await conn.execute(select(modem_inbox.c.pdu, modem_inbox.c.outcome))).all()
    assert [tuple(row) for row in kept] == [(broken, InboxOutcome.UNDECODABLE.value)]
    assert await listed(two_way) == []


def test_the_collection_seam_never_calls_a_truncated_deliver_an_sms() -> None:
    broken = pdus("fine")[0][:-4]
    assert classify(broken, tpdu_length=None, source=CollectionSource.CMT).kind is PduKind.OTHER


async def test_status_transitions_are_announced_in_their_transaction(two_way: Services) -> None:
    key_id = await two_way.api_keys.create(
        name="p", key_hash="1" * 64, scopes=frozenset({"sms:send"}), now=SENT
    )
    view = await submit(two_way, Caller(key_id=key_id, name="p", scopes=frozenset({"sms:send"})))
    claimed = await two_way.dispatch.claim_next("m1")
    assert claimed is not None
    await two_way.dispatch.record_part_written(claimed, 1, modem_id="m1")
    await two_way.dispatch.record_part_sent(claimed, 1, modem_id="m1", mr=5)
    await two_way.dispatch.mark_sent(claimed, modem_id="m1")
    async with two_way.database.read.connect() as conn:
        rows = (await conn.execute(select(webhook_outbox.c.subject_id, webhook_outbox.c.status))).all()
    assert [tuple(r) for r in rows] == [(view.id, "sent")]  # claim (queued → sending) is not announced


async def test_stop_from_a_client_known_only_in_fineract_is_kept_locally(
    two_way: Services, clock: Clock
) -> None:
    fineract_only = SenderMatch(
        number="+255754111222",
        candidates=(
            Candidate(kind=RecipientKind.CLIENT, entry_id="21", source="fineract", mobile="+255754111222"),
        ),
    )
    (pdu,) = pdus("STOP", sender="+255754111222")
    (entry,) = await two_way.collection.journal(
        "m1", [classify(pdu, tpdu_length=None, source=CollectionSource.CMT)]
    )
    part = decode_received(pdu)
    new = NewPart(
        entry_id=entry, modem_id="m1", sender=part.sender, sender_type=part.sender_type, scts=part.scts,
        concat_ref=0, concat_bits=0, parts_total=1, seq=1, digest="d" * 16, encoding=part.encoding,
        payload=part.payload, read_at=clock(),
    )  # fmt: skip
    policy = KeywordPolicy(opt_out=("STOP",), opt_in=("START",))
    (result,) = await InboundRepository(two_way.database).record_parts(
        [(new, fineract_only)], now=clock(), assemble=assemble, policy=policy
    )
    assert result.changed == fineract_only.matched
    local = await two_way.directory.get(RecipientKind.CLIENT, "21")
    assert (local.mobile, local.opted_out) == ("+255754111222", True)


async def test_retention_removes_received_text_and_the_journaled_pdus(
    two_way: Services, clock: Clock
) -> None:
    await receive(two_way, pdus("private words"))
    clock.advance(timedelta(days=two_way.config.dispatch.retention_days + 1))
    await two_way.maintenance.apply_retention()
    (item,) = (await two_way.inbound.list(InboundQuery())).items
    assert (item.text, item.data_hex, item.sender) == (None, None, CLIENT_NUMBER)  # the metadata stays
    async with two_way.database.read.connect() as conn:
        assert (await conn.scalars(select(modem_inbox.c.pdu))).all() == []
        assert (await conn.scalars(select(inbound_parts.c.payload))).all() == [None]


class RefusingStore(InboundRepository):
    """The real store, refusing any batch that holds one chosen journal entry (an injected fault)."""

    def __init__(self, database: Database, refused: int) -> None:
        super().__init__(database)
        self.refused = refused

    async def record_parts(self, parts: Any, **options: Any) -> list[PartResult]:
        if any(part.entry_id == self.refused for part, _ in parts):
            raise StoreError("refused for the test")
        return await super().record_parts(parts, **options)


async def test_a_part_the_store_refuses_never_holds_up_the_others(two_way: Services, clock: Clock) -> None:
    batch = pdus("one", sender="+255799000001") + pdus("two", sender="+255799000002") + pdus("three")
    collected = [classify(pdu, tpdu_length=None, source=CollectionSource.SWEEP) for pdu in batch]
    first, second, third = await two_way.collection.journal("m1", collected)
    service = InboundService(
        config=two_way.config, inbox=two_way.collection.inbox, store=RefusingStore(two_way.database, second),
        queries=InboundQueries(two_way.database), directory=two_way.directory, clock=clock,
        matcher=SenderMatcher(DirectoryRepository(two_way.database), two_way.config.directory),
    )  # fmt: skip
    summary = await service.process_pending()
    assert summary.stored == 2
    assert sorted(text or "" for text, *_ in await listed(two_way)) == ["one", "three"]
    pending = await two_way.collection.inbox.pending(PduKind.DELIVER)
    assert [entry.id for entry in pending] == [second]  # kept for the next pass
    assert (await two_way.inbound.process_pending()).stored == 1  # the store takes it now
    assert sorted(text or "" for text, *_ in await listed(two_way)) == ["one", "three", "two"]
    assert first < second < third


async def test_a_message_stored_between_the_marks_reads_is_after_the_mark_and_not_watched(
    two_way: Services,
) -> None:
    parts = pdus("Nimelipa rejesho la wiki hii, asante sana. " * 8, reference=9)
    await receive(two_way, [parts[0]])  # partial: the message waits for parts 2 and 3
    columns = ", ".join(c.name for c in inbound_messages.c if c.name != "id")
    another = (  # a second partial message, committed by "another writer" between the two reads
        f"INSERT INTO inbound_messages ({columns}) SELECT {columns} FROM inbound_messages "  # noqa: S608
        "WHERE id = (SELECT MIN(id) FROM inbound_messages)"
    )
    fired: list[str] = []

    def store_one_between(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not fired and "inbound_messages.state" in statement:
            fired.append(statement)
            cursor.execute(another)

    engine = two_way.database.read.sync_engine
    event.listen(engine, "before_cursor_execute", store_one_between)
    try:
        mark, watched, _ = await StatisticsQueries(two_way.database).two_way_high_water()
    finally:
        event.remove(engine, "before_cursor_execute", store_one_between)

    assert fired  # (the read connection rolls the copy back when it closes)
    async with two_way.database.read.connect() as conn:
        first = await conn.scalar(select(func.min(inbound_messages.c.id)))
    assert mark == first
    assert watched == {first}  # the copy is after the mark: counted as new, never also watched
