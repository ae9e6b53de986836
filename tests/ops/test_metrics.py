"""``GET /metrics`` read as Prometheus reads it: with prometheus-client's own text parser.

The counters must move when a message moves (accepted, sending, sent, delivered), the latency
histograms must count the send and the delivery, the modem must show as ``ready``, and no label may
carry a phone number or an id. Access: a peer on this machine without a proxy's header needs no
key; anything else needs the ``metrics:read`` scope.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from gsmgateway.core.models import MessageStatus
from simulator import SimulatorServer
from tests.app.support import add_client, api_key, build_gateway, gateway_config, running, until_status


def scrape_text(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(http: aiohttp.ClientSession, **kwargs: Any) -> Samples:
    async with http.get("/metrics", **kwargs) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return scrape_text(await response.text())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counters_move_when_a_message_moves(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway, "1001", "+255700001001")
            before = await scrape(http)
            posted = await http.post("/sms", json={"clientId": "1001", "message": "Karibu"}, headers=headers)
            message_id = (await posted.json())["id"]
            await until_status(gateway, message_id, MessageStatus.DELIVERED)
            after = await scrape(http)
            device_memories = sim.storage()  # the simulator's own view of its memories

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("gsmgateway_messages_accepted_total") == 1
    for status in ("sending", "sent", "delivered"):
        assert moved("gsmgateway_message_status_changes_total", status=status) == 1, status
    assert moved("gsmgateway_message_status_changes_total", status="failed") == 0
    assert moved("gsmgateway_send_seconds_count") == 1
    assert moved("gsmgateway_delivery_seconds_count") == 1
    assert value(after, "gsmgateway_messages", status="delivered") == 1
    assert value(after, "gsmgateway_queue_depth") == 0
    assert value(after, "gsmgateway_modem_state", modem="m1", state="ready") == 1
    assert value(after, "gsmgateway_modem_state", modem="m1", state="disconnected") == 0
    assert value(after, "gsmgateway_modem_registered", modem="m1") == 1
    # Storage use per memory, as swept at connect: every memory the device has, with its capacity.
    shown = {
        dict(pairs)["memory"]: v
        for (name, pairs), v in after.items()
        if name == "gsmgateway_modem_storage_total"
    }
    assert shown == {memory: view["total"] for memory, view in device_memories.items()}
    for memory, view in device_memories.items():
        used = value(after, "gsmgateway_modem_storage_used", modem="m1", memory=memory)
        # SR is where this profile's reports come and go; the others hold what they held at the sweep.
        assert used == view["used"] if memory != "SR" else 0 <= used <= view["total"], memory
    labels = {(k, v) for (_, pairs) in after for k, v in pairs if k != "le"}  # le: histogram bounds
    assert {k for k, _ in labels} <= {"status", "modem", "state", "code", "memory", "match"}, labels
    assert not [v for _, v in labels if re.search(r"\d{4,}|^\+", v)], labels


async def test_a_waiting_message_shows_in_the_queue_depth_and_age(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            headers = await api_key(gateway)
            await add_client(gateway, "1002", "+255700001002")
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            body = {"clientId": "1002", "message": "Tomorrow", "sendAt": tomorrow}
            assert (await http.post("/sms", json=body, headers=headers)).status == 202
            samples = await scrape(http)
    assert value(samples, "gsmgateway_queue_depth") == 1
    assert value(samples, "gsmgateway_messages", status="queued") == 1
    assert 0 <= value(samples, "gsmgateway_queue_oldest_age_seconds") < 3600


async def test_who_may_scrape(tmp_path: Path) -> None:
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(gateway_config(tmp_path), sim)
        async with running(gateway) as http:
            proxied = {"X-Forwarded-For": "203.0.113.7"}  # a reverse proxy passing on someone else's request
            async with http.get("/metrics", headers=proxied) as response:
                assert response.status == 401
            wrong = await api_key(gateway, "sms:read")
            async with http.get("/metrics", headers={**proxied, **wrong}) as response:
                assert response.status == 403
            right = await api_key(gateway, "metrics:read")
            samples = await scrape(http, headers={**proxied, **right})
            assert value(samples, "gsmgateway_modem_reconnects", modem="m1") == 0
