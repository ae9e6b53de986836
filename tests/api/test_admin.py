"""Directory endpoints, ``/modems``, ``/health`` and ``/ready`` against the real store."""

from __future__ import annotations

import pytest

from tests.api.conftest import Stack


@pytest.mark.parametrize(
    ("collection", "kind", "field"), [("clients", "client", "clientId"), ("staff", "staff", "staffId")]
)
async def test_directory_put_get_delete_and_the_effect_on_sending(
    stack: Stack, collection: str, kind: str, field: str
) -> None:
    admin = await stack.key("directory:write")
    sender = await stack.key("sms:send,sms:read-numbers")
    put = await stack.client.put(
        f"/{collection}/501", json={"mobile": "+255 713 000 501", "name": "Neema"}, headers=admin
    )
    assert put.status == 200
    entry = await put.json()
    assert entry == {**entry, "kind": kind, "id": 501, "mobile": "+255713000501", "optedOut": False}
    got = await stack.client.get(f"/{collection}/501", headers=admin)
    assert (await got.json())["name"] == "Neema"
    sent = await stack.client.post("/sms", json={"message": "Karibu", field: "501"}, headers=sender)
    assert sent.status == 202
    assert (await sent.json())["number"] == "+255713000501"
    opt_out = await stack.client.put(
        f"/{collection}/501", json={"mobile": "+255713000501", "optedOut": True}, headers=admin
    )
    assert opt_out.status == 200
    refused = await stack.client.post("/sms", json={"message": "Karibu", field: "501"}, headers=sender)
    assert refused.status == 422
    assert (await refused.json())["error"]["type"] == "recipient_opted_out"
    deleted = await stack.client.delete(f"/{collection}/501", headers=admin)
    assert deleted.status == 204
    assert (await stack.client.get(f"/{collection}/501", headers=admin)).status == 404
    assert (await stack.client.delete(f"/{collection}/501", headers=admin)).status == 404
    gone = await stack.client.post("/sms", json={"message": "Karibu", field: "501"}, headers=sender)
    assert (await gone.json())["error"]["type"] == "unknown_recipient"


async def test_directory_refuses_bad_numbers_and_ids_and_stores_nothing(stack: Stack) -> None:
    admin = await stack.key("directory:write")
    before = stack.counts()
    bad_number = await stack.client.put("/clients/77", json={"mobile": "call me"}, headers=admin)
    assert bad_number.status == 400
    assert (await bad_number.json())["error"]["field"] == "mobile"
    bad_id = await stack.client.put("/clients/a%20b", json={"mobile": "+255713000501"}, headers=admin)
    assert bad_id.status == 400
    assert (await bad_id.json())["error"]["field"] == "id"
    bad_type = await stack.client.put(
        "/clients/77", json={"mobile": "+255713000501", "optedOut": "no"}, headers=admin
    )
    assert (await bad_type.json())["error"]["type"] == "invalid_type"
    assert stack.counts() == before


async def test_directory_needs_the_directory_scope(stack: Stack) -> None:
    sender = await stack.key("sms:send,sms:read,sms:read-numbers")
    for method in ("GET", "DELETE"):
        assert (await stack.client.request(method, "/clients/12", headers=sender)).status == 403
    assert (await stack.client.put("/staff/7", json={"mobile": "+1555"}, headers=sender)).status == 403


async def test_modems_lists_state_signal_operator_error_and_counters(stack: Stack) -> None:
    auth = await stack.key("sms:read")
    await stack.dispatch.save_modem_state("modem-1", "ready", signal=21, operator="Vodacom")
    await stack.dispatch.save_modem_state("modem-2", "no_network", last_error="+CME ERROR: 30")
    body = await (await stack.client.get("/modems", headers=auth)).json()
    first, second = body["items"]
    assert first == {**first, "id": "modem-1", "state": "ready", "signal": 21, "operator": "Vodacom"}
    assert first["counters"] == {"sent": 0, "failed": 0}
    assert second == {**second, "id": "modem-2", "state": "no_network", "lastError": "+CME ERROR: 30"}
    assert (await stack.client.get("/modems")).status == 401


async def test_health_is_public_and_ready_needs_a_ready_modem(stack: Stack) -> None:
    health = await stack.client.get("/health")
    assert (health.status, await health.json()) == (200, {"status": "ok"})
    not_ready = await stack.client.get("/ready")
    assert not_ready.status == 503
    assert await not_ready.json() == {"status": "not_ready", "store": "ok", "readyModems": []}
    await stack.dispatch.save_modem_state("modem-1", "ready")
    ready = await stack.client.get("/ready")
    assert ready.status == 200
    assert (await ready.json())["readyModems"] == ["modem-1"]


async def test_ready_reports_a_closed_store(stack: Stack) -> None:
    await stack.dispatch.save_modem_state("modem-1", "ready")
    await stack.database.close()
    stack.db_path.rename(stack.db_path.with_suffix(".gone"))  # the next connection finds no schema
    response = await stack.client.get("/ready")
    assert response.status == 503
    assert (await response.json())["store"] == "unavailable"
