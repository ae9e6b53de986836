"""The composition root: start order (recovery before workers), HTTP to real workers, orderly stop."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from gsmgateway.api.fineract_gateway import external_id_for
from gsmgateway.app import Gateway, run
from gsmgateway.core.config_sections import DispatchConfig, FineractGatewayConfig, ModemConfig
from gsmgateway.core.models import MessageStatus, ReportOutcome
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from gsmgateway.wiring import open_services
from simulator import SimulatorServer
from tests.app.support import add_client, api_key, build_gateway, gateway_config, running, until_status
from tests.reports import journal_report
from tests.worker.support import FAST_DRIVER, until

S = MessageStatus


async def test_post_sms_goes_through_the_modem_and_modems_shows_it(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            url = gateway.url
            assert gateway.url.startswith("http://127.0.0.1:")
            assert not gateway.url.endswith(":0")
            headers = await api_key(gateway)
            await add_client(gateway)
            posted = await http.post("/sms", json={"clientId": "1001", "message": "Karibu!"}, headers=headers)
            assert posted.status == 202
            message_id = (await posted.json())["id"]
            await until_status(gateway, message_id, S.DELIVERED)
            body = await (await http.get(f"/sms/{message_id}", headers=headers)).json()
            assert body["status"] == "delivered"
            assert [p["reportOutcome"] for p in body["parts"]] == ["delivered"]
            modems = await (await http.get("/modems", headers=headers)).json()
            (modem,) = modems["items"]
            assert (modem["id"], modem["state"], modem["counters"]) == (
                "m1",
                "ready",
                {"sent": 1, "failed": 0},
            )
            assert modem["operator"] == "SimTel"
            ready = await http.get("/ready")
            assert ready.status == 200
            assert (await ready.json())["readyModems"] == ["m1"]
        assert [s.text for s in sim.submits] == ["Karibu!"]
    async with aiohttp.ClientSession() as probe:
        with pytest.raises(aiohttp.ClientConnectionError):
            await probe.get(f"{url}/health")  # stopped: the port is closed


async def test_ready_is_503_while_the_modem_is_unplugged(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            await gateway.drivers[0].wait_ready(timeout=5)
            await sim.unplug()
            await gateway.drivers[0].wait_for_state(
                *(state for state in type(gateway.drivers[0].state) if state.value != "ready"), timeout=5
            )
            ready = await http.get("/ready")
            assert ready.status == 503
            statuses = await gateway.modem_statuses()
            assert statuses[0].state != "ready"
            assert statuses[0].last_error


async def _leave_one_sending(tmp_path: Path) -> int:
    """Leave the store as a crash after the prompt would: one message ``sending``, its PDU written."""
    services = await open_services(gateway_config(tmp_path))
    try:
        await services.directory.put(
            RecipientKind.CLIENT, "1001", mobile="+255700001001", opted_out=False, name=None
        )
        key_id = await services.api_keys.create(
            name="t", key_hash="1" * 64, scopes=frozenset({"sms:send"}), now=datetime.now(UTC)
        )
        request = SubmitRequest(message="in flight at the crash", client_id="1001", staff_id=None,
                                send_at=None, external_id=None)  # fmt: skip
        view, _ = await services.messages.submit(
            request, caller=Caller(key_id, "t", frozenset({"sms:send"})), idempotency_key=None
        )
        claimed = await services.dispatch.claim_next("m1")
        assert claimed is not None
        assert claimed.id == view.id
        await services.dispatch.record_part_written(claimed, 1, modem_id="m1")  # the PDU was going out
        return view.id
    finally:
        await services.close()


async def test_restart_turns_sending_into_unknown_before_any_worker_runs(tmp_path: Path) -> None:
    message_id = await _leave_one_sending(tmp_path)
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway):
            detail = await gateway.services.messages.get(message_id)
            assert detail.message.status is S.UNKNOWN
            assert "restart" in (detail.events[-1].reason or "")
            worker = gateway.workers[0]
            before = worker.passes
            worker.wake()

            async def looked_again() -> bool:
                return worker.idle_pass > before

            await until(gateway.workers, looked_again)
        assert sim.submits == []


async def test_at_least_once_requeues_the_interrupted_message_and_sends_it(tmp_path: Path) -> None:
    message_id = await _leave_one_sending(tmp_path)
    config = gateway_config(tmp_path, dispatch=DispatchConfig(at_least_once=True))
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(config, sim)
        async with running(gateway):
            await until_status(gateway, message_id, S.DELIVERED)
        assert [s.text for s in sim.submits] == ["in flight at the crash"]


async def test_run_stops_in_order_on_sigterm_and_returns(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        config = gateway_config(tmp_path)
        gateway = build_gateway(config, sim)
        urls: list[str] = []

        def listening(url: str) -> None:
            urls.append(url)
            os.kill(os.getpid(), signal.SIGTERM)

        async with asyncio.timeout(10):
            await run(config, on_listening=listening, gateway=gateway)
        assert len(urls) == 1
        assert gateway.server is None
        assert gateway.workers == []
    with pytest.raises(RuntimeError):
        _ = gateway.services


async def test_a_taken_port_fails_start_and_leaves_nothing_running(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim, SimulatorServer(link="memory") as other:
        first = build_gateway(gateway_config(tmp_path / "a"), sim)
        async with running(first):
            port = int(first.url.rsplit(":", 1)[1])
            config = gateway_config(tmp_path / "b")
            second = build_gateway(replace(config, api=replace(config.api, port=port)), other)
            with pytest.raises(OSError):  # noqa: PT011 - the OS decides the message
                await second.start()
            assert second.workers == []
            assert second.server is None


async def test_fineract_contract_is_served_on_its_own_port_when_enabled(tmp_path: Path) -> None:
    config = gateway_config(
        tmp_path, fineract_gateway=FineractGatewayConfig(enabled=True, port=0, tenant="branch1")
    )
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(config, sim)
        async with running(gateway):
            assert gateway.fineract_server is not None
            assert gateway.fineract_server.url != gateway.url
            key = (await api_key(gateway, "platform"))["Authorization"].removeprefix("Bearer ")
            headers = {"Fineract-Platform-TenantId": "branch1", "Fineract-Tenant-App-Key": key}
            item = {
                "internalId": 41,
                "mobileNumber": "+255700009999",
                "message": "Loan approved",
                "providerId": 1,
            }
            async with aiohttp.ClientSession(base_url=gateway.fineract_server.url) as fineract:
                posted = await fineract.post("/sms", json=[item], headers=headers)
                assert posted.status == 202
                (view,) = (
                    await gateway.services.messages.find_by_external_ids(
                        [external_id_for("branch1", 41) or ""]
                    )
                ).values()
                await until_status(gateway, view.id, S.DELIVERED)
                report = await (await fineract.post("/sms%2Freport", json=[41], headers=headers)).json()
            assert report == [
                {
                    "id": 41,
                    "externalId": str(view.id),
                    "addedOnDate": report[0]["addedOnDate"],
                    "deliveredOnDate": report[0]["deliveredOnDate"],
                    "deliveryStatus": 300,
                    "hasError": False,
                    "errorMessage": None,
                }
            ]
        assert [(s.recipient, s.text) for s in sim.submits] == [("+255700009999", "Loan approved")]
        assert gateway.fineract_server is None


@pytest.mark.parametrize("link", ["tcp", "pty"])
async def test_configured_ports_are_opened_through_pyserial(tmp_path: Path, link: str) -> None:
    pty_path = tmp_path / "ttyGSM0" if link == "pty" else None
    async with SimulatorServer(link=link, pty_path=pty_path, pty_group=None) as sim:
        assert sim.url is not None
        modem = ModemConfig(id="m1", port=sim.url, messages_per_minute=6000)
        config = gateway_config(tmp_path, modems=(modem,))
        gateway = Gateway(config, driver_options=lambda m: FAST_DRIVER)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway)
            posted = await http.post(
                "/sms", json={"clientId": "1001", "message": f"via {link}"}, headers=headers
            )
            await until_status(gateway, (await posted.json())["id"], S.DELIVERED)
        assert [s.text for s in sim.submits] == [f"via {link}"]


async def test_reports_journaled_before_a_kill_are_applied_at_start_before_any_worker(tmp_path: Path) -> None:
    """A kill between reading a report (journaled, deleted from the modem) and applying it loses nothing."""
    message_id = await _leave_one_sending(tmp_path)
    services = await open_services(gateway_config(tmp_path))
    try:
        detail = await services.messages.get(message_id)
        await journal_report(
            services.collection, "m1", mr=41, number=detail.message.number, scts=datetime.now(UTC)
        )  # read from the modem and journaled; then kill -9
    finally:
        await services.close()
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        await gateway.start()  # recovery (→ unknown), then the journal, then the workers
        try:
            detail = await gateway.services.messages.get(message_id)
            assert detail.message.status is S.DELIVERED
            assert [(p.mr, p.report_outcome) for p in detail.parts] == [(41, ReportOutcome.DELIVERED)]
        finally:
            await gateway.stop()
        assert sim.submits == []
