"""``/metrics`` for two-way messaging, scraped over real HTTP and read with prometheus-client's parser.

SMS enter through the simulated modem (stored with ``+CMTI``, read, journaled, processed), webhook
calls go to real receivers on loopback. Endpoints are labelled by their configured name — one of
them has a URL with a user, a password and a token, which must appear nowhere: not in ``/metrics``,
not in ``gsmgateway status``, not in a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from gsmgateway.app import Gateway
from gsmgateway.core.config_inbound import InboundConfig, WebhookConfig, WebhookDeliveryConfig
from gsmgateway.status_report import daemon_status
from simulator import SimulatorServer
from simulator.network.incoming import IncomingSms
from tests.app.support import add_client, api_key, build_gateway, gateway_config, running
from tests.ops.test_metrics import Samples, scrape, value
from tests.webhooks.receiver import Receiver

SECRET = "a-long-enough-signing-secret"
LEAKS = ("secret@", "user:", "token", "abc")  # pieces of the credential-carrying URL


async def until_scraped(
    http: aiohttp.ClientSession, gateway: Gateway, holds: Callable[[Samples], bool], deadline: float = 15.0
) -> Samples:
    """Scrape until ``holds`` is true of the samples (waking inbound processing each time)."""
    async with asyncio.timeout(deadline):
        while True:
            samples = await scrape(http)
            if holds(samples):
                return samples
            assert gateway.inbound is not None
            gateway.inbound.wake()  # a pass also marks long messages whose parts stopped coming
            await asyncio.sleep(0.05)  # between scrapes; the condition is what is waited for


async def until_partial(http: aiohttp.ClientSession, headers: dict[str, str], deadline: float = 10.0) -> None:
    """Wait until the first part of a long message is stored (the message is ``partial``)."""
    async with asyncio.timeout(deadline):
        while True:
            async with http.get("/inbound", params={"state": "partial"}, headers=headers) as response:
                assert response.status == 200, await response.text()
                if (await response.json())["items"]:
                    return
            await asyncio.sleep(0.05)


async def test_received_sms_and_webhook_deliveries_are_counted_by_name_never_by_url(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="gsmgateway")
    live = Receiver(SECRET)
    await live.start()
    dead = Receiver(SECRET, statuses=[503] * 100)  # ours, and down the only way a test can own:
    await dead.start()  # it answers every call 503 (a released port could be taken by anyone)
    hooks = (
        WebhookConfig(url=f"http://user:secret@127.0.0.1:{live.port}/hook?token=abc", secret=SECRET),
        WebhookConfig(url=f"{dead.url}?token=abc", secret=SECRET, name="crm-down"),
    )
    config = gateway_config(
        tmp_path, webhooks=hooks, inbound=InboundConfig(concat_timeout_seconds=1.0),
        webhook_delivery=WebhookDeliveryConfig(
            breaker_failures=1, breaker_cooldown_seconds=600, poll_seconds=0.1
        ),
    )  # fmt: skip
    live_name = f"127.0.0.1:{live.port}"
    try:
        async with SimulatorServer(link="memory") as sim:
            gateway = build_gateway(config, sim)
            async with running(gateway) as http:
                await add_client(gateway, "1001", "+255700001001")
                sim.inject(IncomingSms("+255799000999", "a long reply " * 20, parts=(1,)))  # part 2 never
                await until_partial(http, await api_key(gateway, "inbound:read"))
                waiting = await scrape(http)  # seen while partial: counted once it is shown incomplete
                assert value(waiting, "gsmgateway_inbound_received_total", modem="m1", match="unmatched") == 0
                sim.inject_sms("+255700001001", "Nimelipa")
                sim.inject_sms("+255799000888", "Who is this?")
                samples = await until_scraped(
                    http,
                    gateway,
                    lambda s: (
                        value(
                            s, "gsmgateway_webhook_deliveries_total", endpoint=live_name, outcome="delivered"
                        )
                        == 3
                    ),
                )
                text = await (await http.get("/metrics")).text()
                console = await daemon_status(config, url=gateway.url)
    finally:
        await live.stop()
        await dead.stop()

    def received(match: str) -> float:
        return value(samples, "gsmgateway_inbound_received_total", modem="m1", match=match)

    assert (received("matched"), received("unmatched"), received("ambiguous")) == (1, 2, 0)
    assert value(samples, "gsmgateway_inbound_incomplete_total", modem="m1") == 1
    assert (
        value(samples, "gsmgateway_webhook_deliveries_total", endpoint="crm-down", outcome="failed_attempt")
        >= 1
    )
    assert value(samples, "gsmgateway_webhook_breaker_state", endpoint="crm-down", state="open") == 1
    assert value(samples, "gsmgateway_webhook_breaker_state", endpoint=live_name, state="closed") == 1
    assert value(samples, "gsmgateway_webhook_outbox_pending", endpoint="crm-down") == 3
    assert value(samples, "gsmgateway_webhook_outbox_oldest_age_seconds", endpoint="crm-down") > 0
    assert value(samples, "gsmgateway_webhook_outbox_pending", endpoint=live_name) == 0
    endpoints = {dict(labels)["endpoint"] for (_, labels) in samples if "endpoint" in dict(labels)}
    assert endpoints == {live_name, "crm-down"}
    assert "crm-down" in console
    assert live_name in console
    ours = "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name.startswith("gsmgateway")
    )
    assert "crm-down" in ours  # its failures are logged, by name
    for shown in (text, console, ours):
        assert not [leak for leak in LEAKS if leak in shown], shown


async def test_an_event_given_up_is_counted_once_as_given_up(tmp_path: Path) -> None:
    failing = Receiver(SECRET, statuses=[500] * 1000)
    await failing.start()
    delivery = WebhookDeliveryConfig(
        breaker_failures=1000, retry_base_seconds=0.05, retry_max_seconds=0.1, give_up_hours=0.5 / 3600,
        poll_seconds=0.1,
    )  # fmt: skip
    config = gateway_config(
        tmp_path,
        webhooks=(WebhookConfig(url=failing.url, secret=SECRET, name="crm"),),
        webhook_delivery=delivery,
    )
    try:
        async with SimulatorServer(link="memory") as sim:
            gateway = build_gateway(replace(config), sim)
            async with running(gateway) as http:
                sim.inject_sms("+255799000777", "hello")
                samples = await until_scraped(
                    http,
                    gateway,
                    lambda s: (
                        value(s, "gsmgateway_webhook_deliveries_total", endpoint="crm", outcome="given_up")
                        > 0
                    ),
                )
                assert gateway.services is not None
                assert await gateway.services.outbox.counts() == {"failed": 1}
    finally:
        await failing.stop()
    failed = value(samples, "gsmgateway_webhook_deliveries_total", endpoint="crm", outcome="failed_attempt")
    assert value(samples, "gsmgateway_webhook_deliveries_total", endpoint="crm", outcome="given_up") == 1
    assert failed == len(failing.calls) - 1  # every call but the last one was an attempt that failed
    assert value(samples, "gsmgateway_webhook_deliveries_total", endpoint="crm", outcome="delivered") == 0
    assert value(samples, "gsmgateway_webhook_outbox_pending", endpoint="crm") == 0
