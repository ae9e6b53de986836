"""The scheduled jobs: what each does to the store and the modems, and that APScheduler runs them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gsmgateway.core.config_sections import DispatchConfig, JobsConfig
from gsmgateway.core.models import MessageStatus, ModemState, ReportOutcome
from gsmgateway.modem.options import ReportRouting
from gsmgateway.scheduler import JobBody, Jobs, JobScheduler
from simulator import Outcome
from tests.worker.support import FAST_DRIVER, base_config, rig

S = MessageStatus


async def test_every_job_has_its_configured_interval(tmp_path: Path) -> None:
    jobs_config = JobsConfig(sweep_seconds=3, report_poll_seconds=40, health_seconds=20,
                             report_expiry_seconds=200, retention_seconds=900)  # fmt: skip
    async with rig(base_config(tmp_path), modems=2, start_workers=False) as r:
        table = {
            name: seconds
            for name, seconds, _ in Jobs(r.workers, r.services.maintenance).schedule(jobs_config)
        }
    assert table == {
        "sweep": 3, "reports:m1": 40, "health:m1": 20, "reports:m2": 40, "health:m2": 20,
        "expire-reports": 200, "expire-validity": 200, "retention": 900,
    }  # fmt: skip


async def test_apscheduler_runs_the_sweep_that_sends_in_scheduled_mode(tmp_path: Path) -> None:
    config = base_config(tmp_path, dispatch=DispatchConfig(mode="scheduled"))
    async with rig(config) as r:
        await r.settle()
        message_id = await r.submit("on the sweep")
        assert await r.status(message_id) is S.QUEUED
        assert r.worker.waiting_for == "the sweep"
        scheduler = JobScheduler(Jobs(r.workers, r.services.maintenance), JobsConfig(sweep_seconds=0.05))
        scheduler.start()
        try:
            assert "health:m1" in scheduler.job_names
            await r.until_status(message_id, S.DELIVERED)
            async with asyncio.timeout(5):
                await scheduler.wait_finished("sweep", 2)
        finally:
            await scheduler.shutdown()
        assert scheduler.job_names == []


class FailingJobs(Jobs):
    async def boom(self) -> None:
        raise RuntimeError("disk on fire")

    def schedule(self, jobs: JobsConfig) -> list[tuple[str, float, JobBody]]:
        return [("boom", 0.02, self.boom), ("sweep", 0.02, self.sweep)]


async def test_a_failing_job_is_logged_and_the_scheduler_keeps_going(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(base_config(tmp_path)) as r:
        scheduler = JobScheduler(FailingJobs(r.workers, r.services.maintenance), JobsConfig())
        scheduler.start()
        try:
            async with asyncio.timeout(5):
                await scheduler.wait_finished("boom", 3)
                await scheduler.wait_finished("sweep", 3)
        finally:
            await scheduler.shutdown()
    assert scheduler.failures["boom"] >= 3
    assert "boom" not in scheduler.runs
    assert any(
        "job boom failed" in rec.getMessage() and rec.levelno == logging.ERROR for rec in caplog.records
    )


async def test_report_poll_reads_sr_storage_and_delivers(tmp_path: Path) -> None:
    polling = replace(FAST_DRIVER, report_routing=ReportRouting.POLL)
    async with rig(base_config(tmp_path), driver_options=polling) as r:
        message_id = await r.submit("reported only in SR storage")
        await r.until_status(message_id, S.SENT)
        await r.sim.wait_until(lambda: r.sim.counters["reports_emitted"] >= 1)
        assert await r.status(message_id) is S.SENT
        assert await r.worker.poll_reports() == 1
        assert await r.status(message_id) is S.DELIVERED
        assert await r.worker.poll_reports() == 0  # read and deleted


async def test_health_job_records_state_signal_and_operator(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        health = await r.worker.check_health()
        assert health is not None
        assert health.state is ModemState.READY
        (row,) = await r.services.dispatch.list_modems()
        assert (row.state, row.operator, row.signal) == ("ready", "SimTel", health.dbm)
        await r.sim.unplug()
        await r.drivers[0].wait_for_state(ModemState.DISCONNECTED, timeout=5)
        await r.worker.check_health()
        (row,) = await r.services.dispatch.list_modems()
        assert row.state == "disconnected"


async def test_report_window_expires_sent_messages_without_a_report(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        r.sim.plan(recipient="+255700001001", outcome=Outcome.NO_REPORT)
        message_id = await r.submit("silent network")
        await r.until_status(message_id, S.SENT)
        jobs = Jobs(r.workers, r.services.maintenance)
        r.clock.advance(timedelta(hours=47))
        assert await jobs.expire_reports() == []
        r.clock.advance(timedelta(hours=2))
        assert await jobs.expire_reports() == [message_id]
        detail = await r.detail(message_id)
        assert (detail.message.status, detail.events[-1].reason) == (S.EXPIRED, "no-report")


async def test_validity_expires_messages_that_could_not_leave(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        await r.sim.unplug()
        await r.drivers[0].wait_for_state(ModemState.DISCONNECTED, timeout=5)
        message_id = await r.submit("modem gone all day")
        jobs = Jobs(r.workers, r.services.maintenance)
        r.clock.advance(timedelta(hours=25))
        assert await jobs.expire_validity() == [message_id]
        detail = await r.detail(message_id)
        assert (detail.message.status, detail.events[-1].reason) == (S.EXPIRED, "validity")


async def test_retention_removes_old_text_and_keeps_the_trail(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path)) as r:
        message_id = await r.submit("private words")
        await r.until_status(message_id, S.DELIVERED)
        jobs = Jobs(r.workers, r.services.maintenance)
        assert await jobs.retention() == 0
        r.clock.advance(timedelta(days=91))
        assert await jobs.retention() == 1
        detail = await r.detail(message_id)
        assert detail.message.message is None
        assert detail.message.status is S.DELIVERED
        assert detail.parts[0].report_outcome is ReportOutcome.DELIVERED
