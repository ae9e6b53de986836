"""``/sms`` over real HTTP against the real service and a SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import Stack
from tests.reports import deliver_report


async def post(stack: Stack, body: Any, headers: dict[str, str], **extra: str) -> tuple[int, Any, Any]:
    response = await stack.client.post("/sms", json=body, headers={**headers, **extra})
    return response.status, await response.json(), response.headers


async def test_submit_answers_202_with_the_message_and_its_location(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    status, body, headers = await post(stack, {"message": "Hello Asha", "clientId": "12"}, auth)
    assert status == 202
    assert headers["Location"] == f"/sms/{body['id']}"
    assert body["status"] == "queued"
    assert body["clientId"] == 12  # a numeric id is a JSON number in answers
    assert body["staffId"] is None
    assert body["number"] == "+*********678"  # masked without sms:read-numbers
    assert body["message"] == "Hello Asha"
    assert body["partCount"] == 1
    response = await stack.client.get(headers["Location"], headers=auth)
    detail = await response.json()
    assert detail["id"] == body["id"]
    assert [(e["from"], e["to"]) for e in detail["events"]] == [(None, "queued")]
    assert detail["parts"] == []
    assert detail["attempts"] == []


async def test_numbers_are_shown_only_with_the_read_numbers_scope(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read,sms:read-numbers")
    _, body, _ = await post(stack, {"message": "Hi", "staffId": 7}, auth)
    assert body["number"] == "+255700000007"
    detail = await (await stack.client.get(f"/sms/{body['id']}", headers=auth)).json()
    assert detail["number"] == "+255700000007"
    assert detail["staffId"] == 7


async def test_idempotency_key_replays_the_first_message_and_refuses_another_body(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    first = await post(
        stack, {"message": "Due tomorrow", "clientId": "12"}, auth, **{"Idempotency-Key": "k-1"}
    )
    again = await post(
        stack, {"message": "Due tomorrow", "clientId": "12"}, auth, **{"Idempotency-Key": "k-1"}
    )
    assert (first[0], again[0]) == (202, 200)
    assert again[1]["id"] == first[1]["id"]
    assert again[2]["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first[2]
    counts = stack.counts()
    status, body, _ = await post(
        stack, {"message": "Other text", "clientId": "12"}, auth, **{"Idempotency-Key": "k-1"}
    )
    assert status == 409
    assert body["error"]["type"] == "conflict"
    assert stack.counts() == counts == {**counts, "messages": 1}


async def test_external_id_is_an_idempotency_key_too(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    body = {"message": "Receipt 55", "clientId": "12", "externalId": "rcpt-55"}
    first, again = await post(stack, body, auth), await post(stack, body, auth)
    assert (first[0], again[0], again[1]["id"]) == (202, 200, first[1]["id"])
    assert stack.counts()["messages"] == 1


async def test_two_keys_do_not_share_idempotency_keys(stack: Stack) -> None:
    one, two = await stack.key("sms:send", "a"), await stack.key("sms:send", "b")
    body = {"message": "Hi", "clientId": "12"}
    first = await post(stack, body, one, **{"Idempotency-Key": "same"})
    second = await post(stack, body, two, **{"Idempotency-Key": "same"})
    assert (first[0], second[0]) == (202, 202)
    assert first[1]["id"] != second[1]["id"]


async def test_scheduled_send_is_kept_in_utc(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    send_at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    local = send_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    status, body, _ = await post(stack, {"message": "Later", "clientId": "12", "sendAt": local}, auth)
    assert status == 202
    assert datetime.fromisoformat(body["sendAt"]) == send_at


async def test_list_filters_and_pages_with_a_cursor(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    ids = [(await post(stack, {"message": f"m{i}", "clientId": "12"}, auth))[1]["id"] for i in range(5)]
    staff_id = (await post(stack, {"message": "staff", "staffId": "7"}, auth))[1]["id"]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"clientId": "12", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await (await stack.client.get("/sms", params=params, headers=auth)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)
    staff = await (await stack.client.get("/sms", params={"staffId": "7"}, headers=auth)).json()
    assert [item["id"] for item in staff["items"]] == [staff_id]
    sent = await (await stack.client.get("/sms", params={"status": "sent"}, headers=auth)).json()
    assert sent == {"items": [], "nextCursor": None}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = await (await stack.client.get("/sms", params={"createdFrom": future}, headers=auth)).json()
    assert later["items"] == []
    everything = await (await stack.client.get("/sms", params={"createdTo": future}, headers=auth)).json()
    assert len(everything["items"]) == 6


async def test_cancel_a_queued_message_then_it_is_not_cancellable(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    _, body, _ = await post(stack, {"message": "Oops", "clientId": "12"}, auth)
    response = await stack.client.post(f"/sms/{body['id']}/cancel", headers=auth)
    assert response.status == 200
    assert (await response.json())["status"] == "cancelled"
    again = await stack.client.post(f"/sms/{body['id']}/cancel", headers=auth)
    assert again.status == 409
    assert (await again.json())["error"]["type"] == "invalid_state"
    detail = await (await stack.client.get(f"/sms/{body['id']}", headers=auth)).json()
    assert [e["to"] for e in detail["events"]] == ["queued", "cancelled"]


async def test_unknown_message_ids_are_404(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    for path in ("/sms/999", "/sms/abc", "/sms/0", "/sms/99999999999999999999999"):
        response = await stack.client.get(path, headers=auth)
        assert response.status == 404, path
        assert (await response.json())["error"]["type"] == "not_found"
    cancel = await stack.client.post("/sms/999/cancel", headers=auth)
    assert cancel.status == 404


async def test_batch_accepts_all_in_order(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    items = [{"message": f"n{i}", "clientId": "12"} for i in range(3)] + [{"message": "s", "staffId": "7"}]
    response = await stack.client.post("/sms/batch", json={"items": items}, headers=auth)
    assert response.status == 202
    body = await response.json()
    assert [item["message"] for item in body["items"]] == ["n0", "n1", "n2", "s"]
    assert stack.counts()["messages"] == 4


async def test_batch_refuses_everything_and_lists_each_bad_item(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    await stack.person("99", None)
    items = [
        {"message": "fine", "clientId": "12"},
        {"message": "", "clientId": "12"},
        {"message": "fine", "clientId": "12", "to": "+255700000000"},
    ]
    response = await stack.client.post("/sms/batch", json={"items": items}, headers=auth)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["type"] == "batch_invalid"
    assert [(i["index"], i["type"], i["field"]) for i in error["items"]] == [
        (1, "empty_message", "message"),
        (2, "unknown_field", "to"),
    ]
    recipients = [
        {"message": "x", "clientId": "12"},
        {"message": "x", "clientId": "404"},
        {"message": "x", "clientId": "99"},
    ]
    response = await stack.client.post("/sms/batch", json={"items": recipients}, headers=auth)
    assert response.status == 422
    error = (await response.json())["error"]
    assert [(i["index"], i["type"]) for i in error["items"]] == [
        (1, "unknown_recipient"),
        (2, "recipient_without_number"),
    ]
    assert stack.counts()["messages"] == 0


async def test_detail_shows_parts_attempts_and_the_timeline_as_the_message_travels(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    _, body, _ = await post(stack, {"message": "Delivered soon", "clientId": "12"}, auth)
    claimed = await stack.dispatch.claim_next("modem-1")
    assert claimed is not None
    assert claimed.id == body["id"]
    sending = await stack.client.get(f"/sms/{body['id']}", headers=auth)
    assert (await sending.json())["status"] == "sending"
    refused = await stack.client.post(f"/sms/{body['id']}/cancel", headers=auth)
    assert refused.status == 409  # already on its way: not cancellable
    await stack.dispatch.record_part_sent(claimed, 1, modem_id="modem-1", mr=42)
    await stack.dispatch.mark_sent(claimed, modem_id="modem-1")
    await deliver_report(
        stack.services.collection, "modem-1", mr=42, number=claimed.number, scts=datetime.now(UTC)
    )
    detail = await (await stack.client.get(f"/sms/{body['id']}", headers=auth)).json()
    assert detail["status"] == "delivered"
    assert [(p["partNo"], p["modemId"], p["mr"], p["reportOutcome"]) for p in detail["parts"]] == [
        (1, "modem-1", 42, "delivered")
    ]
    assert [(a["from"], a["to"], a["attempt"]) for a in detail["attempts"]] == [("queued", "sending", 1)]
    assert [e["to"] for e in detail["events"]] == ["queued", "sending", "sent", "delivered"]
    assert detail["attemptCount"] == 1
    modems = await (await stack.client.get("/modems", headers=auth)).json()
    assert modems["items"][0]["counters"]["sent"] == 1


async def test_batch_item_with_a_known_external_id_returns_the_stored_message(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    _, first, _ = await post(stack, {"message": "Receipt 9", "clientId": "12", "externalId": "r-9"}, auth)
    items = [
        {"message": "Receipt 9", "clientId": "12", "externalId": "r-9"},
        {"message": "new", "staffId": "7"},
    ]
    response = await stack.client.post("/sms/batch", json={"items": items}, headers=auth)
    assert response.status == 202
    replayed, fresh = (await response.json())["items"]
    assert replayed["id"] == first["id"]
    assert fresh["id"] != first["id"]
    assert stack.counts()["messages"] == 2


async def test_concurrent_retries_with_one_key_create_exactly_one_message(stack: Stack) -> None:
    auth = await stack.key("sms:send")
    body = {"message": "Only once", "clientId": "12"}
    results = await asyncio.gather(
        *(post(stack, body, auth, **{"Idempotency-Key": "burst"}) for _ in range(30))
    )
    assert sorted(status for status, _, _ in results) == [200] * 29 + [202]
    assert len({result["id"] for _, result, _ in results}) == 1
    assert stack.counts()["messages"] == 1
