"""The received-messages pages over real HTTP: the list, its filters and paging, masking, one message.

Received SMS come in as a network sends them (PDUs from the simulator's own encoder, journaled and
processed as the driver's sink does: ``tests/inbound.py``); what the page should say is written
out here by hand (the masked number, "ambiguous: 2 entries", the hex of the data, "2 of 3 parts").
"""

from __future__ import annotations

import re
from datetime import timedelta

from gsmgateway.core.records import RecipientKind
from simulator.pdu.encode import DCS_8BIT, deliver
from tests.console.conftest import Console
from tests.inbound import SENT, deliver_pdus, receive

ASHA = "+255712345678"  # client 12 in the console fixture
SHARED = "+255755000001"
STRANGER = "+255799888777"


def listed_ids(html: str) -> list[int]:
    """Return the ids of the rows of the received-messages table, top to bottom."""
    return [int(found) for found in re.findall(r'<tr data-id="(\d+)"', html)]


async def shared_number(console: Console) -> None:
    """Two entries with one number: a message from it is never guessed to be either."""
    for kind, entry_id in ((RecipientKind.CLIENT, "31"), (RecipientKind.STAFF, "32")):
        await console.services.directory.put(kind, entry_id, mobile=SHARED, opted_out=False, name=None)


async def test_the_list_shows_who_sent_what_newest_first(console: Console) -> None:
    await shared_number(console)
    services = console.services
    await receive(services, deliver_pdus("Paid yesterday", sender=ASHA))
    await receive(services, deliver_pdus("Who is this?", sender=STRANGER))
    await receive(services, deliver_pdus("Meeting at 10", sender=SHARED))
    data = bytes([0x00, 0x7F, 0xA5, 0xFF])
    await receive(services, [deliver(smsc="", sender=ASHA, data=data, dcs=DCS_8BIT, sent=SENT).hex])
    long_text = "Nimelipa rejesho la wiki hii, asante sana. " * 8  # three GSM-7 parts
    parts = deliver_pdus(long_text, sender=ASHA, reference=7)
    assert len(parts) == 3
    await receive(services, [parts[0], parts[2]])  # the middle part never comes
    console.clock.advance(timedelta(hours=1))
    assert len(await services.inbound.expire_partial()) == 1
    cookie = await console.session("console,inbound:read")

    page = await console.request("GET", "/console/inbound", cookie=cookie)

    assert page.status == 200, page.text
    ids = listed_ids(page.text)
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 5
    rows = dict(zip(ids, re.findall(r'<tr data-id="\d+".*?</tr>', page.text, re.S), strict=True))
    incomplete, data_row, ambiguous, unmatched, matched = (rows[i] for i in ids)
    assert "client 12" in matched
    assert "Paid yesterday" in matched
    assert "unmatched" in unmatched
    assert "ambiguous: 2 entries" in ambiguous
    assert "007FA5FF" in data_row
    assert "2 of 3 parts" in incomplete
    assert "…" in incomplete  # the missing part's place in the text


async def test_filters_by_sender_modem_match_and_days(console: Console) -> None:
    await shared_number(console)
    services = console.services
    await receive(services, deliver_pdus("From Asha on m1", sender=ASHA), modem="m1")
    await receive(services, deliver_pdus("From a stranger on m2", sender=STRANGER), modem="m2")
    console.clock.advance(timedelta(days=2))
    await receive(services, deliver_pdus("From staff 7 later", sender="+255700000007"), modem="m1")
    await receive(services, deliver_pdus("Shared, later", sender=SHARED), modem="m2")
    cookie = await console.session("console,inbound:read")

    async def texts(query: str) -> list[str]:
        page = await console.request("GET", f"/console/inbound?{query}", cookie=cookie)
        assert page.status == 200, page.text
        return [found.strip() for found in re.findall(r"(From [^<]+|Shared, later)", page.text)]

    assert await texts("client=12") == ["From Asha on m1"]
    assert await texts("staff=7") == ["From staff 7 later"]
    assert await texts("modem=m2") == ["Shared, later", "From a stranger on m2"]
    assert await texts("match=unmatched") == ["From a stranger on m2"]
    assert await texts("match=ambiguous") == ["Shared, later"]
    assert await texts("match=matched&modem=m1") == ["From staff 7 later", "From Asha on m1"]
    assert await texts("from=2026-03-02&to=2026-03-02") == ["From a stranger on m2", "From Asha on m1"]
    assert await texts("from=2026-03-03&to=2026-03-03") == []
    assert await texts("from=2026-03-04") == ["Shared, later", "From staff 7 later"]
    assert await texts("to=2026-03-03") == ["From a stranger on m2", "From Asha on m1"]


async def test_bad_filters_are_refused_with_a_reason(console: Console) -> None:
    await receive(console.services, deliver_pdus("Hello", sender=ASHA))
    cookie = await console.session("console,inbound:read")
    for query, reason in (
        ("client=12&staff=7", "clientId"),
        ("client=a%20b", "client"),
        ("match=maybe", "unknown match"),
        ("from=yesterday", "from must be a date"),
        ("from=2026-03-05&to=2026-03-01", "first day must not be after"),
        ("cursor=garbage", "cursor"),
    ):
        page = await console.request("GET", f"/console/inbound?{query}", cookie=cookie)
        assert page.status == 400, (query, page.status)
        assert re.search(r'id="error"[^>]*>[^<]*' + re.escape(reason), page.text), (query, page.text[-800:])
        assert listed_ids(page.text) == []


async def test_pages_of_fifty_follow_one_another(console: Console) -> None:
    batch = [pdu for n in range(60) for pdu in deliver_pdus(f"Reply number {n}", sender=ASHA, sent=SENT)]
    await receive(console.services, batch)
    cookie = await console.session("console,inbound:read")
    first = await console.request("GET", "/console/inbound?client=12", cookie=cookie)
    following = re.search(r'id="next-page" href="([^"]+)"', first.text)
    assert following, first.text[-500:]
    second = await console.request("GET", following.group(1).replace("&amp;", "&"), cookie=cookie)
    one, two = listed_ids(first.text), listed_ids(second.text)
    assert (len(one), len(two)) == (50, 10)
    assert sorted(one + two, reverse=True) == one + two  # newest first, nothing twice, nothing left out
    assert len(set(one + two)) == 60
    assert 'id="next-page"' not in second.text


async def test_numbers_are_masked_without_read_numbers(console: Console) -> None:
    await receive(console.services, deliver_pdus("Namba yangu", sender=ASHA))
    await receive(console.services, deliver_pdus("Your bundle is ready", sender="MPESA"))
    masked = await console.session("console,inbound:read")
    whole = await console.session("console,inbound:read,sms:read-numbers")
    (_, item_id) = listed_ids((await console.request("GET", "/console/inbound", cookie=whole)).text)
    for path in ("/console/inbound", f"/console/inbound/{item_id}"):
        hidden = (await console.request("GET", path, cookie=masked)).text
        shown = (await console.request("GET", path, cookie=whole)).text
        assert ASHA not in hidden
        assert ASHA in shown
    listing = (await console.request("GET", "/console/inbound", cookie=masked)).text
    assert "+*********678" in listing  # the last three digits, as everywhere else
    assert "MPESA" in listing  # a sender's name is no number: shown as is


async def test_one_message_page_and_an_unknown_id(console: Console) -> None:
    cookie = await console.session("console,inbound:read")
    await receive(console.services, deliver_pdus("Asante", sender=ASHA))
    (item_id,) = listed_ids((await console.request("GET", "/console/inbound", cookie=cookie)).text)
    page = await console.request("GET", f"/console/inbound/{item_id}", cookie=cookie)
    assert page.status == 200
    assert "Asante" in page.text
    assert "client 12" in page.text
    for missing in ("999", "0", "abc"):
        assert (await console.request("GET", f"/console/inbound/{missing}", cookie=cookie)).status == 404


async def test_received_messages_need_inbound_read_as_in_the_api(console: Console) -> None:
    await receive(console.services, deliver_pdus("STOP", sender=ASHA))
    await receive(console.services, deliver_pdus("Siri yangu", sender=ASHA))
    reader = await console.session("console,inbound:read")
    first_id, _ = sorted(listed_ids((await console.request("GET", "/console/inbound", cookie=reader)).text))
    nav_link = '<a href="/console/inbound"'
    assert nav_link in (await console.request("GET", "/console/", cookie=reader)).text
    admin = await console.session("admin", "it person")
    assert (await console.request("GET", "/console/inbound", cookie=admin)).status == 200
    assert nav_link in (await console.request("GET", "/console/", cookie=admin)).text

    for scopes in ("console", "console,directory:write,sms:read-numbers"):
        cookie = await console.session(scopes)
        for path in ("/console/inbound", f"/console/inbound/{first_id}", "/console/inbound?client=12"):
            page = await console.request("GET", path, cookie=cookie)
            assert page.status == 403, (scopes, path)
            assert "inbound:read" in page.text
            assert "Siri yangu" not in page.text
        assert nav_link not in (await console.request("GET", "/console/", cookie=cookie)).text
    opt_outs = await console.request("GET", "/console/opt-outs", cookie=cookie)
    assert opt_outs.status == 200  # directory:write: the STOP is listed, but not linked to its text
    assert f"received message {first_id}" in opt_outs.text
    assert f'href="/console/inbound/{first_id}"' not in opt_outs.text
