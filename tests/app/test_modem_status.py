"""``GET /modems`` says why: state, reason and since when; radio only while connected; storage use.

And what the reasons mean for messages: no network pauses the modem without spending attempts, a
stop claims nothing more. In-process gateway with real HTTP; the modem is the simulator (memory
link, or a pty opened through pyserial where the path matters).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp

from gsmgateway.app import Gateway
from gsmgateway.core.config_sections import JobsConfig, ModemConfig
from gsmgateway.core.models import MessageStatus, ModemState
from gsmgateway.messages.message_service import MessageQuery
from gsmgateway.modem.transport import serial_opener
from gsmgateway.wiring import open_services
from simulator import FaultPlan, SimulatorServer, get_profile
from simulator.faults import NetworkOutage, SendError
from simulator.profiles import Memory
from tests.app.support import add_client, api_key, build_gateway, gateway_config, running, until_status
from tests.worker.support import FAST_DRIVER, FAST_WORKER, until

S = MessageStatus


async def modem_json(http: aiohttp.ClientSession, headers: dict[str, str]) -> dict[str, Any]:
    (modem,) = (await (await http.get("/modems", headers=headers)).json())["items"]
    assert isinstance(modem, dict)
    return modem


async def wait_reason(gateway: Gateway, reason: str | None, state: ModemState | None = None) -> None:
    driver = gateway.drivers[0]

    def there() -> bool:
        found = driver.status.reason.value if driver.status.reason else None
        return found == reason and (state is None or driver.state is state)

    await driver.wait_for(there, timeout=10)


async def test_a_ready_modem_shows_radio_and_storage_and_no_reason(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        sim.set_faults(FaultPlan(storage_full=frozenset({Memory.SM})))  # drained at start-up
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await wait_reason(gateway, None, ModemState.READY)
            await gateway.workers[0].check_health()
            modem = await modem_json(http, headers)
            assert (modem["state"], modem["reason"], modem["lastError"]) == ("ready", None, None)
            assert modem["since"] is not None
            assert modem["operator"] == "SimTel"
            assert modem["signal"] < 0
            storage = {m["memory"]: m for m in modem["storage"]}
            assert set(storage) == {"SR", "SM", "ME"}
            assert (storage["SM"]["used"], storage["SM"]["total"]) == (
                0,
                sim.modem.storage.capacity(Memory.SM),
            )


async def test_sim_pin_and_network_problems_are_named(tmp_path: Path) -> None:
    locked = dataclasses.replace(get_profile("generic"), sim_pin="7319")
    cases: list[tuple[Any, FaultPlan | None, str | None, str, str]] = [
        (locked, None, None, "sim_error", "pin"),  # PIN asked for, none configured
        (locked, None, "1234", "sim_error", "pin"),  # the configured PIN refused
        ("generic", FaultPlan(sim_removed=True), None, "sim_error", "sim"),
        ("generic", FaultPlan(network_outage=NetworkOutage()), None, "no_network", "network"),
    ]
    for profile, faults, pin, state, reason in cases:
        async with SimulatorServer(profile=profile, link="memory", faults=faults) as sim:
            modem = ModemConfig(id="m1", port="memory", messages_per_minute=6000, pin=pin)
            gateway = build_gateway(gateway_config(tmp_path, modems=(modem,)), sim)
            async with running(gateway) as http:
                headers = await api_key(gateway)
                await wait_reason(gateway, reason, ModemState(state))
                await gateway.workers[0].check_health()
                shown = await modem_json(http, headers)
                assert (shown["state"], shown["reason"]) == (state, reason)
                assert shown["lastError"]
                assert "1234" not in str(shown)  # a refused PIN is never shown
                if state == "sim_error":
                    assert (shown["signal"], shown["operator"], shown["storage"]) == (None, None, [])


async def test_an_unplugged_or_busy_port_is_named_and_its_radio_is_not_shown(tmp_path: Path) -> None:
    async with SimulatorServer(link="pty", pty_path=tmp_path / "modem0") as sim:
        config = gateway_config(
            tmp_path, modems=(ModemConfig(id="m1", port=str(sim.url), messages_per_minute=6000),)
        )
        gateway = Gateway(config, driver_options=lambda modem: FAST_DRIVER, worker_options=FAST_WORKER)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await wait_reason(gateway, None, ModemState.READY)
            await gateway.workers[0].check_health()
            assert (await modem_json(http, headers))["operator"] == "SimTel"
            await sim.unplug()
            await wait_reason(gateway, "missing")
            gone = await modem_json(http, headers)
            assert (gone["state"], gone["reason"]) == ("disconnected", "missing")
            assert (gone["signal"], gone["operator"], gone["storage"]) == (None, None, [])
            await gateway.drivers[0].stop()  # let go of the port, then hold it ourselves
            await sim.replug()
            holder = await serial_opener(str(sim.url))()
            try:
                await gateway.drivers[0].start()
                await wait_reason(gateway, "busy")
                assert (await modem_json(http, headers))["reason"] == "busy"
            finally:
                await holder.close()
            await wait_reason(gateway, None, ModemState.READY)


async def test_no_network_on_a_send_pauses_the_modem_without_spending_attempts(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = Gateway(
            gateway_config(tmp_path), openers={"m1": sim.open_stream}, worker_options=FAST_WORKER,
            driver_options=lambda modem: dataclasses.replace(FAST_DRIVER, registration_poll=0.2),
        )  # fmt: skip
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway)
            await wait_reason(gateway, None, ModemState.READY)
            sim.set_faults(FaultPlan(send_errors=(SendError(code=331, nth_send=1),)))
            posted = await http.post(
                "/sms", json={"clientId": "1001", "message": "no service"}, headers=headers
            )
            message_id = (await posted.json())["id"]
            await until_status(gateway, message_id, S.DELIVERED)  # after the modem found the network again
            detail = await gateway.services.messages.get(message_id)
            assert detail.message.attempts == 1  # the refused attempt was given back
            assert any("331" in (e.reason or "") for e in detail.events if e.to_status is S.QUEUED)
            assert len(sim.submits) == 1  # the refused one never counted as sent


async def test_a_stop_claims_nothing_more_and_waits_only_for_the_send_in_flight(tmp_path: Path) -> None:
    """Issue 8 §7: the scheduler's shutdown waits for a running job; no worker may claim meanwhile."""
    config = gateway_config(tmp_path, jobs=JobsConfig(health_seconds=0.05))  # a health job is always due
    async with SimulatorServer(link="memory", faults=FaultPlan(network_delay=1.0)) as sim:
        gateway = Gateway(
            config, openers={"m1": sim.open_stream}, worker_options=FAST_WORKER,
            driver_options=lambda modem: dataclasses.replace(FAST_DRIVER, send_timeout=10.0),
        )  # fmt: skip
        await gateway.start()
        try:
            headers = await api_key(gateway)
            await add_client(gateway)
            batch = {"items": [{"clientId": "1001", "message": f"m{n}"} for n in range(20)]}
            async with aiohttp.ClientSession(base_url=gateway.url) as http:
                assert (await http.post("/sms/batch", json=batch, headers=headers)).status == 202
            worker = gateway.workers[0]

            async def mid_send() -> bool:  # and a health job waits for the modem behind it
                jobs = gateway.scheduler.running if gateway.scheduler else 0
                return worker.waiting_for.startswith("sending message") and jobs > 0

            await until(gateway.workers, mid_send)
            in_flight = int(worker.waiting_for.rsplit(" ", 1)[1])
        finally:
            await gateway.stop()  # the health job waits behind the send in flight; nobody claims meanwhile
        views = await _all(config)
        assert [v.id for v in views if v.status is not S.QUEUED and v.id > in_flight] == []
        assert next(v for v in views if v.id == in_flight).status in (S.SENT, S.DELIVERED)


async def test_network_loss_while_ready_holds_messages_until_it_returns(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway)
            await wait_reason(gateway, None, ModemState.READY)
            sim.set_faults(FaultPlan(network_outage=NetworkOutage()))
            await wait_reason(gateway, "network", ModemState.NO_NETWORK)  # told by +CREG, no send needed
            posted = await http.post("/sms", json={"clientId": "1001", "message": "later"}, headers=headers)
            message_id = (await posted.json())["id"]
            worker = gateway.workers[0]

            async def waiting() -> bool:
                return worker.waiting_for.startswith("modem no_network")

            await until(gateway.workers, waiting)
            assert (await gateway.services.messages.get(message_id)).message.status is S.QUEUED
            sim.set_faults(FaultPlan())
            await until_status(gateway, message_id, S.DELIVERED)
            assert (await gateway.services.messages.get(message_id)).message.attempts == 1


async def _all(config: Any) -> list[Any]:
    services = await open_services(config)
    try:
        page = await services.messages.list(
            MessageQuery(status=None, client_id=None, staff_id=None, created_from=None, created_to=None,
                         cursor=None, limit=500)
        )  # fmt: skip
        return list(page.items)
    finally:
        await services.close()
