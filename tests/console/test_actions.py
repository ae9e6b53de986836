"""What an operator does at the console, checked in the store: unknowns, keys, opt-outs, test SMS."""

from __future__ import annotations

import re
from datetime import timedelta

from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest
from tests.console.conftest import Console


async def unknown_message(console: Console) -> int:
    """Return a message left ``unknown`` as a crash mid-send leaves one: its PDU written, then the restart."""
    key_id, _ = await console.key("sms:send", "platform")
    caller = Caller(key_id=key_id, name="platform", scopes=frozenset({"sms:send"}))
    view, _ = await console.services.messages.submit(
        SubmitRequest("Repayment due", "12", None, None, None), caller=caller, idempotency_key=None
    )
    claimed = await console.services.dispatch.claim_next("modem-1")
    assert claimed is not None
    assert claimed.id == view.id
    await console.services.dispatch.record_part_written(claimed, 1, modem_id="modem-1")  # then the crash
    await console.services.maintenance.recover_after_restart()  # the daemon's start after a crash
    assert (await console.services.messages.get(view.id)).message.status is MessageStatus.UNKNOWN
    return view.id


async def test_an_operator_marks_an_unknown_sent_and_the_timeline_names_them(console: Console) -> None:
    cookie = await console.session("console", "Branch manager Amani")
    message_id = await unknown_message(console)
    page = await console.post_form(f"/console/messages/{message_id}/resolve", cookie, {"outcome": "sent"})
    assert page.headers["Location"] == f"/console/messages/{message_id}?done=marked-sent"
    detail = await console.services.messages.get(message_id)
    assert detail.message.status is MessageStatus.SENT
    last = detail.events[-1]
    assert (last.from_status, last.to_status) == (MessageStatus.UNKNOWN, MessageStatus.SENT)
    assert last.reason is not None
    assert "Branch manager Amani" in last.reason
    shown = await console.request("GET", f"/console/messages/{message_id}?done=marked-sent", cookie=cookie)
    assert "Branch manager Amani" in shown.text
    assert "Waiting for the network to confirm" in shown.text


async def test_an_operator_marks_an_unknown_not_sent_and_it_is_never_resent(console: Console) -> None:
    cookie = await console.session("console", "Amani")
    message_id = await unknown_message(console)
    await console.post_form(f"/console/messages/{message_id}/resolve", cookie, {"outcome": "not-sent"})
    detail = await console.services.messages.get(message_id)
    assert detail.message.status is MessageStatus.FAILED
    assert "not sent by Amani" in (detail.events[-1].reason or "")
    console.clock.advance(timedelta(hours=1))
    assert await console.services.dispatch.claim_next("modem-1") is None


async def test_only_an_unknown_can_be_resolved(console: Console) -> None:
    cookie = await console.session("console")
    message_id = await unknown_message(console)
    await console.post_form(f"/console/messages/{message_id}/resolve", cookie, {"outcome": "sent"})
    again = await console.post_form(
        f"/console/messages/{message_id}/resolve", cookie, {"outcome": "not-sent"}
    )
    assert again.status == 409
    assert (await console.services.messages.get(message_id)).message.status is MessageStatus.SENT
    bad = await console.post_form(f"/console/messages/{message_id}/resolve", cookie, {"outcome": "maybe"})
    assert bad.status == 400
    missing = await console.post_form("/console/messages/999/resolve", cookie, {"outcome": "sent"})
    assert missing.status == 404


async def test_a_new_key_is_shown_once_and_works_until_revoked(console: Console) -> None:
    admin = await console.session("admin", "it person")
    page = await console.post_form("/console/keys", admin, {"name": "reminders job", "scope": "sms:send"})
    assert page.status == 200
    shown = re.search(r'id="new-key">(gsk_[A-Za-z0-9_-]+)<', page.text)
    assert shown, page.text
    key = shown.group(1)
    listing = await console.request("GET", "/console/keys", cookie=admin)
    assert key not in listing.text  # shown on the answer to the form, never again
    assert "reminders job" in listing.text
    api = {"Authorization": f"Bearer {key}"}
    async with console.client.get("/sms", headers=api) as response:
        assert response.status == 403  # a real key: authenticated, but it may only send
    async with console.client.post("/sms", json={"clientId": "12", "message": "hi"}, headers=api) as response:
        assert response.status == 202
    key_id = int(re.findall(r'data-key="(\d+)"', listing.text)[-1])
    done = await console.post_form(f"/console/keys/{key_id}/revoke", admin)
    assert done.headers["Location"] == "/console/keys?done=revoked"
    async with console.client.post("/sms", json={"clientId": "12", "message": "hi"}, headers=api) as response:
        assert response.status == 401  # at once: not after the API's one-minute key cache


async def test_keys_are_for_admins_only(console: Console) -> None:
    operator = await console.session("console")
    assert (await console.request("GET", "/console/keys", cookie=operator)).status == 403
    page = await console.post_form("/console/keys", operator, {"name": "sneaky", "scope": "admin"})
    assert page.status == 403
    assert "sneaky" not in str(await console.services.api_keys.list_keys())


async def test_revoking_the_key_behind_a_session_ends_that_session(console: Console) -> None:
    admin = await console.session("admin", "it person")
    operator_id, operator_key = await console.key("console", "front desk")
    signed = await console.sign_in(operator_key)
    operator = f"gsmgateway_console={signed.cookies['gsmgateway_console'].value}"
    for odd in ("%C2%B2", "9" * 20):  # "²" and an id past any BIGINT: no such key, not a crash
        assert (await console.post_form(f"/console/keys/{odd}/revoke", admin)).status == 404
    await console.post_form(f"/console/keys/{operator_id}/revoke", admin)
    assert (await console.request("GET", "/console/", cookie=operator)).status == 303


async def test_opt_out_and_back_in_from_the_directory_page(console: Console) -> None:
    cookie = await console.session("console,directory:write")
    page = await console.request("GET", "/console/directory?kind=client&id=12", cookie=cookie)
    assert "+*********678" in page.text  # masked: the key lacks sms:read-numbers
    assert "+255712345678" not in page.text
    await console.post_form("/console/directory/client/12/opt-out", cookie, {"opted_out": "true"})
    entry = await console.services.directory.get(RecipientKind.CLIENT, "12")
    assert entry.opted_out
    assert entry.mobile == "+255712345678"
    await console.post_form("/console/directory/client/12/opt-out", cookie, {"opted_out": "false"})
    assert not (await console.services.directory.get(RecipientKind.CLIENT, "12")).opted_out
    plain = await console.session("console")
    assert (await console.request("GET", "/console/directory?kind=client&id=12", cookie=plain)).status == 403


async def test_numbers_show_whole_only_with_read_numbers(console: Console) -> None:
    masked = await console.session("console,directory:write")
    whole = await console.session("console,directory:write,sms:read-numbers")
    page = await console.request("GET", "/console/directory?kind=client&id=12", cookie=whole)
    assert "+255712345678" in page.text
    key_id, _ = await console.key("sms:send", "platform")
    caller = Caller(key_id=key_id, name="platform", scopes=frozenset({"sms:send"}))
    view, _ = await console.services.messages.submit(
        SubmitRequest("Hello", "12", None, None, None), caller=caller, idempotency_key=None
    )
    for path in (f"/console/messages/{view.id}", "/console/messages?client=12"):
        assert "+255712345678" not in (await console.request("GET", path, cookie=masked)).text
        assert "+255712345678" in (await console.request("GET", path, cookie=whole)).text


async def test_a_test_sms_goes_to_a_staff_member_once_even_if_the_form_is_sent_twice(
    console: Console,
) -> None:
    cookie = await console.session("console")
    form = await console.request("GET", "/console/test-sms", cookie=cookie)
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert nonce
    fields = {"csrf_token": form.csrf, "nonce": nonce.group(1), "staff": "7", "message": "Console test"}
    first = await console.request("POST", "/console/test-sms", cookie=cookie, data=fields)
    second = await console.request("POST", "/console/test-sms", cookie=cookie, data=fields)
    assert first.status == second.status == 303
    assert first.headers["Location"] == second.headers["Location"]
    page = await console.services.messages.list(
        MessageQuery(
            status=None,
            client_id=None,
            staff_id="7",
            created_from=None,
            created_to=None,
            cursor=None,
            limit=10,
        )
    )
    assert [m.message for m in page.items] == ["Console test"]
    unknown = await console.request(
        "POST", "/console/test-sms", cookie=cookie, data={**fields, "nonce": "other", "staff": "99"}
    )
    assert unknown.status == 422
    assert "no staff" in unknown.text
