"""The opt-out page: who is opted out now, and every opt-out and opt-in with who or what made it.

A STOP arrives as a network sends it (``tests/inbound.py``); the operator, the API and a received
START each change an entry, and the history is read back from the page: newest first, each naming
its maker, a keyword's linking to the received message.
"""

from __future__ import annotations

import re
from datetime import timedelta

from gsmgateway.core.records import RecipientKind
from tests.console.conftest import Console
from tests.inbound import deliver_pdus, receive

ASHA = "+255712345678"  # client 12 in the console fixture


def history(html: str) -> list[tuple[str, str, str]]:
    """Return the history's (entry, change, rest of the line) items, top to bottom."""
    items = re.findall(
        r'<li data-event="\d+" data-change="([a-z_]+)" data-entry="([^"]+)">(.*?)</li>', html, re.S
    )
    return [(entry, change, re.sub(r"\s+", " ", rest)) for change, entry, rest in items]


def opted_out_now(html: str) -> list[str]:
    return re.findall(r'<tr data-entry="([^"]+)">', html)


async def test_a_stop_is_listed_with_a_link_to_its_message_and_the_operator_opts_back_in(
    console: Console,
) -> None:
    await receive(console.services, deliver_pdus("STOP", sender=ASHA))
    cookie = await console.session("console,directory:write,inbound:read", "Branch manager Amani")
    listing = await console.request("GET", "/console/inbound", cookie=cookie)
    (stop_id,) = re.findall(r'<tr data-id="(\d+)"', listing.text)
    assert 'href="/console/directory?kind=client&amp;id=12"' in listing.text  # the entry it changed

    page = await console.request("GET", "/console/opt-outs", cookie=cookie)

    assert page.status == 200
    assert opted_out_now(page.text) == ["client/12"]
    assert "+*********678" in page.text
    assert ASHA not in page.text
    ((entry, change, line),) = history(page.text)
    assert (entry, change) == ("client/12", "opted_out")
    assert f'href="/console/inbound/{stop_id}"' in line
    detail = await console.request("GET", f"/console/inbound/{stop_id}", cookie=cookie)
    assert "opted out client 12" in detail.text

    done = await console.post_form(
        "/console/directory/client/12/opt-out", cookie, {"opted_out": "false", "back": "opt-outs"}
    )
    assert done.headers["Location"] == "/console/opt-outs?done=opted-in"
    assert not (await console.services.directory.get(RecipientKind.CLIENT, "12")).opted_out
    after = await console.request("GET", "/console/opt-outs?done=opted-in", cookie=cookie)
    assert opted_out_now(after.text) == []
    newest, oldest = history(after.text)
    assert newest[:2] == ("client/12", "opted_in")
    assert "operator Branch manager Amani" in newest[2]
    assert oldest[:2] == ("client/12", "opted_out")


async def test_changes_through_the_api_and_a_start_are_named_too(console: Console) -> None:
    _, key = await console.key("directory:write", "crm sync")
    async with console.client.put(
        "/staff/7", json={"mobile": "+255700000007", "optedOut": True},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:  # fmt: skip
        assert response.status == 200
    async with console.client.put(
        "/staff/7", json={"mobile": "+255700000007", "optedOut": True, "name": "Cy"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:  # fmt: skip
        assert response.status == 200  # no change of opt-out: no event
    await receive(console.services, deliver_pdus("start", sender="+255700000007"))
    cookie = await console.session("console,directory:write,inbound:read")
    page = await console.request("GET", "/console/opt-outs", cookie=cookie)
    start, stop = history(page.text)
    assert start[:2] == ("staff/7", "opted_in")
    assert "/console/inbound/" in start[2]
    assert stop[:2] == ("staff/7", "opted_out")
    assert "API key crm sync" in stop[2]


async def test_the_page_needs_directory_write_and_forms_need_the_token(console: Console) -> None:
    await receive(console.services, deliver_pdus("STOP", sender=ASHA))
    plain = await console.session("console")
    assert (await console.request("GET", "/console/opt-outs", cookie=plain)).status == 403
    cookie = await console.session("console,directory:write")
    for token in ({}, {"csrf_token": "x" * 43}):
        forged = await console.request(
            "POST", "/console/directory/client/12/opt-out", cookie=cookie,
            data={**token, "opted_out": "false", "back": "opt-outs"},
        )  # fmt: skip
        assert forged.status == 403
    assert (await console.services.directory.get(RecipientKind.CLIENT, "12")).opted_out
    assert len(history((await console.request("GET", "/console/opt-outs", cookie=cookie)).text)) == 1


async def test_history_is_paged_newest_first(console: Console) -> None:
    cookie = await console.session("console,directory:write", "Amani")
    for n in range(60):
        await console.post_form(
            "/console/directory/client/12/opt-out", cookie, {"opted_out": str(n % 2 == 0).lower()}
        )
    first = await console.request("GET", "/console/opt-outs", cookie=cookie)
    older = re.search(r'id="older-events" href="([^"]+)"', first.text)
    assert older
    second = await console.request("GET", older.group(1), cookie=cookie)
    ids = [int(i) for page in (first, second) for i in re.findall(r'<li data-event="(\d+)"', page.text)]
    assert len(ids) == 60
    assert ids == sorted(set(ids), reverse=True)
    assert 'id="older-events"' not in second.text


async def test_a_page_cursor_that_is_no_ascii_number_is_a_400_not_a_crash(console: Console) -> None:
    cookie = await console.session("console,directory:write")
    for before in ("%C2%B2", "%D9%A3", "1_0", "%2B1", "9" * 20, "x"):  # ², Arabic-Indic 3, "+1", …
        page = await console.request("GET", f"/console/opt-outs?before={before}", cookie=cookie)
        assert page.status == 400, (before, page.text[:300])
        assert "before must be an event id" in page.text
    assert (await console.request("GET", "/console/opt-outs?before=", cookie=cookie)).status == 200


async def test_since_is_the_latest_opt_out_not_the_last_rewrite_of_the_entry(console: Console) -> None:
    await receive(console.services, deliver_pdus("STOP", sender=ASHA))  # 2026-03-02 09:00, shown in UTC
    console.clock.advance(timedelta(hours=1))
    cookie = await console.session("console,directory:write")
    await console.post_form("/console/directory/staff/7/opt-out", cookie, {"opted_out": "true"})
    console.clock.advance(timedelta(days=2))
    await console.services.directory.put(  # a re-import renames client 12, still opted out
        RecipientKind.CLIENT, "12", mobile=ASHA, opted_out=True, name="Asha M."
    )
    cookie = await console.session("console,directory:write")  # the first one ended after 12 hours

    page = await console.request("GET", "/console/opt-outs", cookie=cookie)

    assert opted_out_now(page.text) == ["staff/7", "client/12"]  # most recently opted out first
    rows = dict(re.findall(r'<tr data-entry="([^"]+)">(.*?)</tr>', page.text, re.S))
    assert "<td>2026-03-02 10:00:00</td>" in rows["staff/7"]
    assert "<td>2026-03-02 09:00:00</td>" in rows["client/12"]
    assert "Asha M." in rows["client/12"]
    assert "2026-03-04" not in page.text.split('id="history"')[0]


async def test_deleting_an_opted_out_entry_ends_its_history(console: Console) -> None:
    key_id, key = await console.key("directory:write", "crm sync")
    auth = {"Authorization": f"Bearer {key}"}
    await receive(console.services, deliver_pdus("STOP", sender=ASHA))
    async with console.client.delete("/staff/7", headers=auth) as response:  # never opted out
        assert response.status == 204
    async with console.client.delete("/clients/12", headers=auth) as response:
        assert response.status == 204
    cookie = await console.session("console,directory:write")

    page = await console.request("GET", "/console/opt-outs", cookie=cookie)

    assert opted_out_now(page.text) == []
    deleted, stop = history(page.text)
    assert deleted[:2] == ("client/12", "deleted")
    assert f"API key crm sync (key {key_id})" in deleted[2]
    assert stop[:2] == ("client/12", "opted_out")
