"""When messages leave: quiet hours, the per-modem rate, sendAt, dispatch mode, and sharing a burst."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from pathlib import Path

from gsmgateway.core.config_sections import DispatchConfig, QuietHours
from gsmgateway.core.models import MessageStatus
from gsmgateway.scheduler import Jobs
from tests.worker.support import START, base_config, rig

S = MessageStatus


async def test_quiet_hours_hold_messages_until_they_end_in_the_branch_time_zone(tmp_path: Path) -> None:
    # START is 09:00 UTC = 12:00 in Dar es Salaam; quiet 11:00-13:00 local.
    quiet = QuietHours(enabled=True, start=time(11, 0), end=time(13, 0), timezone="Africa/Dar_es_Salaam")
    async with rig(base_config(tmp_path, quiet_hours=quiet)) as r:
        message_id = await r.submit("after lunch")
        await r.settle()
        assert r.worker.waiting_for == "quiet hours"
        assert (await r.detail(message_id)).message.attempts == 0
        assert r.sim.submits == []
        r.clock.advance(timedelta(minutes=59))
        await r.settle()
        assert r.sim.submits == []
        r.clock.advance(timedelta(minutes=1))
        await r.settle()
        await r.until_status(message_id, S.DELIVERED)
        assert r.sim.submits[0].text == "after lunch"


async def test_rate_limit_spaces_messages_without_dropping_any(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path), messages_per_minute=2) as r:
        first = await r.submit("one")
        second = await r.submit("two")
        await r.until_status(first, S.DELIVERED)
        await r.settle()
        assert r.worker.waiting_for == "rate limit"
        assert await r.status(second) is S.QUEUED
        r.clock.advance(timedelta(seconds=30))
        await r.settle()
        await r.until_status(second, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["one", "two"]


async def test_send_at_leaves_at_its_time(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit("at ten", send_at=START + timedelta(hours=1))
        await r.settle()
        assert r.worker.waiting_for == "next due message"
        assert r.sim.submits == []
        r.clock.advance(timedelta(hours=1))
        await r.settle()
        await r.until_status(message_id, S.DELIVERED)


async def test_scheduled_mode_sends_only_when_the_sweep_runs(tmp_path: Path) -> None:
    config = base_config(tmp_path, dispatch=DispatchConfig(mode="scheduled"))
    async with rig(config) as r:
        await r.settle()
        passes = r.worker.passes
        message_id = await r.submit("on the next sweep")
        assert r.worker.passes == passes  # the enqueue did not wake the worker
        assert r.worker.waiting_for == "the sweep"
        assert await r.status(message_id) is S.QUEUED
        await Jobs(r.workers, r.services.maintenance).sweep()
        await r.until_status(message_id, S.DELIVERED)


async def test_two_modems_share_a_burst_and_no_message_is_sent_twice(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path), modems=2) as r:
        ids = await r.submit_batch([f"burst {n}" for n in range(60)])
        for message_id in ids:
            await r.until_status(message_id, S.DELIVERED, timeout=20)
        texts = Counter(s.text for sim in r.sims for s in sim.submits)
        assert texts == Counter(f"burst {n}" for n in range(60))
        used = Counter([(await r.detail(i)).message.modem_id for i in ids])
        assert set(used) == {"m1", "m2"}
        assert all(count == 1 for count in texts.values())
