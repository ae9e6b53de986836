"""Stopping a worker: the message in flight is finished, an idle worker stops at once."""

from __future__ import annotations

from pathlib import Path

from gsmgateway.core.models import MessageStatus
from simulator import FaultPlan
from tests.worker.support import base_config, rig

S = MessageStatus


async def test_stop_lets_the_send_in_flight_finish(tmp_path: Path) -> None:
    async with rig(base_config(tmp_path), faults=FaultPlan(network_delay=0.3)) as r:
        message_id = await r.submit("finish me first")
        await r.sim.wait_for_submits(1)  # the PDU is in; +CMGS comes 0.3 s later
        assert await r.status(message_id) is S.SENDING
        await r.worker.stop()
        assert await r.status(message_id) in (S.SENT, S.DELIVERED)
        assert [s.text for s in r.sim.submits] == ["finish me first"]
        assert r.worker.waiting_for == "stopped"


async def test_a_stopped_worker_claims_nothing(tmp_path: Path) -> None:
    # Two modems; m1 is stopped, m2 keeps working. Every submit wakes both, and m2 sends the
    # messages one at a time, so the queue holds due messages for many passes a live m1 would make:
    # only a stopped m1 leaves all of them to m2.
    async with rig(base_config(tmp_path), modems=2) as r:
        stopped = r.workers[0]
        await r.settle(stopped)
        await stopped.stop()
        passes = stopped.passes
        message_ids = [await r.submit(f"after the stop {n}") for n in range(4)]
        stopped.wake()
        for message_id in message_ids:
            await r.until_status(message_id, S.SENT, S.DELIVERED)
        assert r.sims[0].submits == []
        assert sorted(s.text for s in r.sims[1].submits) == [f"after the stop {n}" for n in range(4)]
        assert (stopped.passes, stopped.waiting_for) == (passes, "stopped")
