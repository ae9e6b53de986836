"""A worker sends through the simulated modem and tells the truth about every message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gsmgateway.core.inbox import CollectionSource, PduKind
from gsmgateway.core.models import MessageStatus, ReportOutcome
from simulator import Memory
from tests.worker.support import base_config, rig

S = MessageStatus


async def test_single_message_is_sent_then_delivered(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit("Your repayment of TZS 50,000 is due on Friday.")
        await r.until_status(message_id, S.DELIVERED)
        (submit,) = r.sim.submits
        assert submit.recipient == "+255700001001"
        assert submit.text == "Your repayment of TZS 50,000 is due on Friday."
        assert submit.concat is None
        detail = await r.detail(message_id)
        assert [(p.part_no, p.modem_id, p.mr, p.report_outcome) for p in detail.parts] == [
            (1, "m1", submit.mr, ReportOutcome.DELIVERED)
        ]
        assert [(e.from_status, e.to_status) for e in detail.events] == [
            (None, S.QUEUED), (S.QUEUED, S.SENDING), (S.SENDING, S.SENT), (S.SENT, S.DELIVERED)
        ]  # fmt: skip
        assert detail.message.attempts == 1


async def test_multipart_parts_share_a_reference_and_arrive_whole(tmp_path: Path) -> None:
    text = "Dear client, " + "your group meeting moves to Thursday at the branch. " * 5
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit(text)
        await r.until_status(message_id, S.DELIVERED)
        submits = r.sim.submits
        assert len(submits) == 2
        assert [s.concat for s in submits] == [(message_id % 256, 2, seq) for seq in (1, 2)]
        assert submits[-1].text == text
        detail = await r.detail(message_id)
        assert [p.mr for p in detail.parts] == [s.mr for s in submits]
        assert {p.report_outcome for p in detail.parts} == {ReportOutcome.DELIVERED}


async def test_unicode_and_emoji_arrive_unchanged(tmp_path: Path) -> None:
    text = "Habari Zuhura! Мы получили ваш платёж 🎉 — asante sana. " * 2
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit(text)
        await r.until_status(message_id, S.DELIVERED)
        assert r.sim.submits[-1].text == text
        assert r.sim.submits[0].dcs == 0x08  # UCS-2
        assert len(r.sim.submits) == (await r.detail(message_id)).message.parts_total


async def test_a_burst_goes_out_in_order_each_message_once(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        ids = [await r.submit(f"notice {n}") for n in range(12)]
        for message_id in ids:
            await r.until_status(message_id, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == [f"notice {n}" for n in range(12)]


async def test_sent_counter_and_health_reach_the_modem_table(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit("counted")
        await r.until_status(message_id, S.DELIVERED)
        await r.worker.check_health()
        (row,) = await r.services.dispatch.list_modems()
        assert (row.modem_id, row.state, row.sent_count, row.failed_count) == ("m1", "ready", 1, 0)
        assert row.operator == "SimTel"
        assert row.signal is not None
        assert row.signal < 0
        status = r.worker.status(row)
        assert (status.state, status.sent_count, status.last_error) == ("ready", 1, None)


async def test_incoming_sms_are_journaled_before_they_leave_the_modem_and_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with rig(base_config(tmp_path)) as r:
        r.sim.inject_sms(sender="+255711000111", text="STOP")
        r.sim.inject_sms(sender="+255711000222", text="Asante", direct=True)

        async def both_seen() -> bool:
            return r.worker.incoming_seen == 2

        await r.until(both_seen)
        kept = await r.services.collection.inbox.pending(PduKind.DELIVER)
        assert sorted((e.source, e.memory) for e in kept) == [
            (CollectionSource.CMT, None), (CollectionSource.CMTI, "SM")
        ]  # fmt: skip
        assert all(e.processed_at is None for e in kept)  # waiting for inbound processing
        assert r.sim.modem.storage.used(Memory.SM) == 0  # read, journaled, then deleted
        logged = " ".join(rec.getMessage() for rec in caplog.records)
        assert "received SMS kept" in logged
        assert not any(secret in logged for secret in ("STOP", "Asante", "711000", "000111", "000222"))
