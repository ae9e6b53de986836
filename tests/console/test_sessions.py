"""Signing in, the session cookie, CSRF, expiry and sign-out, each checked from the outside (HTTP).

What "refused" means is decided from the browser's side: a page without a live session sends the
browser to the sign-in page (303) and shows nothing; a form without a live session or without the
session's own token gets 403, and the store is unchanged (the queued message stays queued).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from gsmgateway.core.models import MessageStatus
from gsmgateway.messages.authentication import Caller
from gsmgateway.messages.message_service import SubmitRequest
from tests.console.conftest import Console


async def queued_message(console: Console) -> int:
    caller = Caller(key_id=(await console.key("sms:send", "platform"))[0], name="platform",
                    scopes=frozenset({"sms:send"}))  # fmt: skip
    request = SubmitRequest("Repayment due Friday", "12", None, None, None)
    view, _ = await console.services.messages.submit(request, caller=caller, idempotency_key=None)
    return view.id


async def status_of(console: Console, message_id: int) -> MessageStatus:
    return (await console.services.messages.get(message_id)).message.status


async def test_sign_in_sets_a_session_cookie_a_script_and_other_sites_cannot_use(console: Console) -> None:
    _, key = await console.key("console")
    page = await console.sign_in(key)
    assert page.status == 303
    assert page.headers["Location"] == "/console/"
    cookie = page.cookies["gsmgateway_console"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/console"
    assert not cookie["secure"]  # plain HTTP here; Secure is set when the request came over TLS
    assert key not in cookie.value
    assert key not in page.text
    overview = await console.request("GET", "/console/", cookie=f"gsmgateway_console={cookie.value}")
    assert overview.status == 200
    assert "Overview" in overview.text
    assert key not in overview.text


async def test_without_a_session_a_page_sends_to_sign_in(console: Console) -> None:
    for path in ("/console/", "/console/messages", "/console/keys", "/console/messages/1"):
        page = await console.request("GET", path)
        assert (page.status, page.headers.get("Location")) == (303, "/console/sign-in"), path
        page = await console.request("GET", path, cookie="gsmgateway_console=made-up")
        assert (page.status, page.headers.get("Location")) == (303, "/console/sign-in"), path


@pytest.mark.parametrize("scopes", ["sms:send,sms:read", "sms:read-numbers", "directory:write"])
async def test_a_key_without_console_or_admin_may_not_sign_in(console: Console, scopes: str) -> None:
    _, key = await console.key(scopes)
    page = await console.sign_in(key)
    assert page.status == 403
    assert "gsmgateway_console" not in page.cookies


async def test_unknown_and_revoked_keys_may_not_sign_in(console: Console) -> None:
    key_id, key = await console.key("console")
    assert (await console.sign_in("gsk_" + "x" * 43)).status == 401
    await console.services.api_keys.revoke(key_id, now=console.clock())
    page = await console.sign_in(key)
    assert page.status == 401
    assert "gsmgateway_console" not in page.cookies


async def test_sign_in_without_its_double_submit_token_is_refused(console: Console) -> None:
    """A page of another site could post a key of its own choosing: the form's cookie token stops it."""
    _, key = await console.key("console")
    page = await console.request("POST", "/console/sign-in", data={"sign_in_token": "guess", "api_key": key})
    assert page.status == 403
    assert "gsmgateway_console" not in page.cookies
    page = await console.request(
        "POST", "/console/sign-in", cookie="gsmgateway_console_signin=abc",
        data={"sign_in_token": "abd", "api_key": key},
    )  # fmt: skip
    assert page.status == 403


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(console: Console) -> None:
    cookie = await console.session("console")
    other = await console.session("console", "other operator")
    message_id = await queued_message(console)
    other_token = (await console.request("GET", "/console/", cookie=other)).csrf
    for fields in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": other_token}):
        page = await console.request(
            "POST", f"/console/messages/{message_id}/cancel", cookie=cookie, data=fields
        )
        assert page.status == 403, fields
        assert await status_of(console, message_id) is MessageStatus.QUEUED
    done = await console.post_form(f"/console/messages/{message_id}/cancel", cookie)
    assert (done.status, done.headers["Location"]) == (303, f"/console/messages/{message_id}?done=cancelled")
    assert await status_of(console, message_id) is MessageStatus.CANCELLED


async def test_a_form_posted_from_another_origin_is_refused(console: Console) -> None:
    cookie = await console.session("console")
    message_id = await queued_message(console)
    token = (await console.request("GET", "/console/", cookie=cookie)).csrf
    page = await console.request(
        "POST", f"/console/messages/{message_id}/cancel", cookie=cookie, data={"csrf_token": token},
        headers={"Origin": "http://evil.example"},
    )  # fmt: skip
    assert page.status == 403
    assert await status_of(console, message_id) is MessageStatus.QUEUED


async def test_sign_out_ends_the_session_on_the_server(console: Console) -> None:
    cookie = await console.session("console")
    message_id = await queued_message(console)
    token = (await console.request("GET", "/console/", cookie=cookie)).csrf
    out = await console.request("POST", "/console/sign-out", cookie=cookie, data={"csrf_token": token})
    assert (out.status, out.headers["Location"]) == (303, "/console/sign-in")
    assert out.cookies["gsmgateway_console"].value == ""  # the browser forgets it...
    # ...and a copy kept by someone else is worth nothing: the server deleted the session.
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 303
    stolen = await console.request(
        "POST", f"/console/messages/{message_id}/cancel", cookie=cookie, data={"csrf_token": token}
    )
    assert stolen.status == 403
    assert await status_of(console, message_id) is MessageStatus.QUEUED


async def test_a_session_ends_after_the_idle_time(console: Console) -> None:
    cookie = await console.session("console")
    console.clock.advance(timedelta(minutes=29))
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 200  # activity restarts it
    console.clock.advance(timedelta(minutes=29))
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 200
    console.clock.advance(timedelta(minutes=30))
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 303


async def test_a_session_ends_at_its_absolute_time_however_busy(console: Console) -> None:
    cookie = await console.session("console")
    for _ in range(12 * 4 - 1):  # a page every 15 minutes, for just under twelve hours
        console.clock.advance(timedelta(minutes=15))
        assert (await console.request("GET", "/console/", cookie=cookie)).status == 200
    console.clock.advance(timedelta(minutes=15))
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 303


async def test_revoking_the_key_ends_its_sessions(console: Console) -> None:
    key_id, key = await console.key("console")
    page = await console.sign_in(key)
    cookie = f"gsmgateway_console={page.cookies['gsmgateway_console'].value}"
    await console.services.api_keys.revoke(key_id, now=console.clock())  # e.g. by the CLI
    assert (await console.request("GET", "/console/", cookie=cookie)).status == 303


async def test_every_answer_is_no_store_unframeable_and_same_origin_only(console: Console) -> None:
    cookie = await console.session("console")
    for path, with_cookie in (("/console/sign-in", False), ("/console/", True), ("/console/nowhere", True),
                              ("/console/static/console.css", False)):  # fmt: skip
        page = await console.request("GET", path, cookie=cookie if with_cookie else None)
        assert page.headers["Cache-Control"] == "no-store", path
        assert page.headers["X-Frame-Options"] == "DENY", path
        policy = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "http" not in policy, path  # nothing from a CDN or any other host
