"""The operator console in a real browser (headless chromium) against the real daemon on a pty modem.

One walk through what a branch operator does, each step waited for on what the page really shows
(WebDriverWait on the DOM, never a sleep), with a full-page screenshot of every page saved in the
test's folder (``pytest --basetemp=DIR`` keeps them; docs/console-overview.png is the overview one).
What the page claims is checked against the outside world too: the simulator's network got the
test SMS, the API sees the cancel and refuses the revoked key.

The forged requests are sent with aiohttp, holding the cookie the browser was given: without the
form's token, with another token, after sign-out, and after the session ran out.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import aiohttp
import pytest
import pytest_asyncio
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.system.browser import PHONE, Screenshots, chromium, wait_until
from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import LOOP, SYSTEM, StackFactory
from tests.system.processes import ProcessGroup, create_api_key
from tests.system.stack import STAFF_ID, STAFF_NUMBER, Stack, StackOptions, build_stack, number_of

pytestmark = SYSTEM
CSRF: Final = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest_asyncio.fixture(scope="module", loop_scope=LOOP)
async def installation(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Stack, str]]:
    """Start a gateway of this module's own; make an ``admin`` key with the CLI, as an admin would."""
    group = ProcessGroup()
    try:
        stack = await build_stack(tmp_path_factory.mktemp("console"), group, StackOptions())
        yield stack, await create_api_key(stack.config, "branch admin", "admin")
    finally:
        problems = await group.stop_all()
        assert not problems, "\n\n".join(problems)


def element(driver: WebDriver, css: str) -> object:
    return driver.find_element(By.CSS_SELECTOR, css)


def sign_in(driver: WebDriver, url: str, key: str) -> None:
    driver.get(f"{url}/console/")
    wait_until(driver, lambda d: d.current_url.endswith("/console/sign-in"), "sent to the sign-in page")
    driver.find_element(By.ID, "api_key").send_keys(key)
    driver.find_element(By.ID, "sign-in").click()
    wait_until(driver, lambda d: d.find_elements(By.ID, "sign-out"), "signed in")


async def test_an_operator_walks_through_the_console(
    installation: tuple[Stack, str], http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    stack, admin_key = installation
    api = GatewayClient(http, stack.url, stack.key)
    network = SimulatorControl(http, stack.sims[0].control)
    url = stack.url
    with chromium(tmp_path / "profile") as driver:
        shots = Screenshots(driver, tmp_path / "screenshots")
        driver.get(f"{url}/console/")
        wait_until(driver, lambda d: d.find_elements(By.ID, "api_key"), "the sign-in form")
        shots.take("sign-in")
        assert admin_key not in driver.current_url
        sign_in(driver, url, admin_key)

        # The overview: the pty modem is ready (the card says so in words and in its state).
        ready = wait_until(
            driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-modem="modem-1"][data-state="ready"]'),
            "modem-1 shown ready",
        )  # fmt: skip
        assert "Ready to send" in ready[0].text
        shots.take("overview")

        # A test SMS to a staff member, followed on its page until the network confirms delivery.
        driver.find_element(By.LINK_TEXT, "Test SMS").click()
        staff = wait_until(driver, lambda d: d.find_element(By.ID, "staff"), "the test SMS form")
        staff.send_keys(STAFF_ID)
        text = driver.find_element(By.ID, "message").get_attribute("value")
        shots.take("test-sms")
        driver.find_element(By.ID, "send-test").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "done"), "the test SMS accepted")
        message_id = int(driver.current_url.split("/messages/")[1].split("?")[0])
        wait_until(
            driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#status [data-status="delivered"]'),
            "the test SMS shown delivered (the page refreshes itself)",
        )  # fmt: skip
        assert "Delivered to the phone" in driver.find_element(By.ID, "status").text
        shots.take("message-delivered")
        assert await network.messages_to(STAFF_NUMBER) == [text]

        # Search by staff id and status, then open the message's timeline from the results.
        driver.find_element(By.LINK_TEXT, "Messages").click()
        wait_until(driver, lambda d: d.find_element(By.NAME, "staff"), "the search form").send_keys(STAFF_ID)
        Select(driver.find_element(By.ID, "status")).select_by_value("delivered")
        driver.find_element(By.ID, "search").click()
        row = wait_until(  # on the answer to the search, not on the list shown before it
            driver,
            lambda d: "status=delivered" in d.current_url
            and d.find_elements(By.CSS_SELECTOR, f'#results tr[data-id="{message_id}"]'),
            "the delivered test SMS in the results",
        )  # fmt: skip
        assert STAFF_NUMBER in row[0].text  # admin holds sms:read-numbers: the whole number
        shots.take("search")
        row[0].find_element(By.LINK_TEXT, str(message_id)).click()
        steps = wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline li"), "the timeline")
        assert [step.get_attribute("data-to") for step in steps] == ["queued", "sending", "sent", "delivered"]
        shots.take("timeline")

        # Cancel a message scheduled for later; the API sees it cancelled.
        later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0).isoformat()
        waiting = await api.accepted("Group meeting moved to Thursday.", clientId="150", sendAt=later)
        driver.get(f"{url}/console/messages/{waiting['id']}")
        wait_until(driver, lambda d: d.find_element(By.ID, "cancel"), "the cancel button").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "done"), "the cancel confirmed")
        assert "cancelled" in driver.find_element(By.ID, "status").text
        shots.take("cancelled")
        assert (await api.get(waiting["id"]))["status"] == "cancelled"

        # Revoke the reporting key: the keys page says so and the API refuses the key at once.
        assert (await api.request("GET", "/sms?limit=1", key=stack.read_only_key)).status == 200
        driver.find_element(By.LINK_TEXT, "Keys").click()
        row = wait_until(
            driver,
            lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "#keys tr[data-key]") if "reporting" in r.text],  # noqa: E501
            "the reporting key listed",
        )[0]  # fmt: skip
        row.find_element(By.CSS_SELECTOR, "button.danger").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "done"), "the revocation confirmed")
        revoked = [
            r for r in driver.find_elements(By.CSS_SELECTOR, "#keys tr[data-key]") if "reporting" in r.text
        ]
        assert revoked[0].get_attribute("data-revoked") == "yes"
        shots.take("keys")
        assert (await api.request("GET", "/sms?limit=1", key=stack.read_only_key)).status == 401

        # The overview after all that (the README's picture), the remaining pages, then a phone's screen.
        driver.get(f"{url}/console/")
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-state="ready"]'), "overview")
        shots.take("overview-later")
        driver.get(f"{url}/console/directory?kind=client&id=1")
        wait_until(driver, lambda d: d.find_elements(By.ID, "entry"), "client 1 looked up")
        shots.take("directory")
        driver.get(f"{url}/console/opt-outs")
        wait_until(driver, lambda d: d.find_elements(By.ID, "history"), "the opt-out page")
        shots.take("opt-outs")
        driver.set_window_size(*PHONE)
        driver.get(f"{url}/console/")
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-state="ready"]'), "overview")
        shots.take("overview-phone")
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

        # Sign out: back to the sign-in page, and the overview is no longer reachable.
        driver.find_element(By.ID, "sign-out").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "api_key"), "the sign-in page after sign-out")
        driver.get(f"{url}/console/")
        wait_until(driver, lambda d: d.current_url.endswith("/console/sign-in"), "sent to sign in again")
    assert len(shots.saved) == 12


async def test_a_reply_and_a_stop_reach_the_console(
    installation: tuple[Stack, str], http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A client's reply shows matched to them; their STOP is on the opt-out page, linked to the SMS."""
    stack, admin_key = installation
    api, network = stack.clients(http)
    await network.inject({"sender": number_of(160), "text": "Nitalipa kesho asubuhi"})
    await network.inject({"sender": number_of(161), "text": "Stop"})
    await eventually(
        lambda: api.request("GET", "/inbound?limit=500"),
        lambda reply: {number_of(160), number_of(161)} <= {i["sender"] for i in reply.body["items"]},
        what="both SMS received",
    )  # fmt: skip
    desk_key = await create_api_key(stack.config, "front desk", "console,inbound:read")
    with chromium(tmp_path / "profile") as driver:
        shots = Screenshots(driver, tmp_path / "screenshots")
        sign_in(driver, stack.url, admin_key)
        driver.find_element(By.LINK_TEXT, "Received").click()
        wait_until(driver, lambda d: d.find_element(By.NAME, "client"), "the filter form").send_keys("160")
        driver.find_element(By.ID, "search").click()
        rows = wait_until(
            driver,
            lambda d: (
                "client=160" in d.current_url and d.find_elements(By.CSS_SELECTOR, "#inbound tr[data-id]")
            ),
            "the reply of client 160",
        )
        assert len(rows) == 1
        assert "Nitalipa kesho asubuhi" in rows[0].text
        assert rows[0].find_element(By.CSS_SELECTOR, '[data-match="matched"]').text == "client 160"
        assert number_of(160) in rows[0].text  # admin may read numbers
        shots.take("inbound")

        driver.find_element(By.LINK_TEXT, "Opt-outs").click()
        entry = wait_until(
            driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#opted-out tr[data-entry="client/161"]'),
            "client 161 listed as opted out",
        )  # fmt: skip
        assert entry
        stop = driver.find_element(
            By.CSS_SELECTOR, '#history li[data-entry="client/161"][data-change="opted_out"]'
        )
        shots.take("opt-outs-after-stop")
        stop.find_element(By.CSS_SELECTOR, "a.inbound-link").click()
        text = wait_until(driver, lambda d: d.find_elements(By.ID, "text"), "the STOP message's page")
        assert text[0].text.strip() == "Stop"
        assert "opted out client 161" in driver.find_element(By.ID, "keyword").text
        shots.take("inbound-message")
        refused = await api.send("After the STOP", clientId="161")
        assert (refused.status, refused.body["error"]["type"]) == (422, "recipient_opted_out")

        driver.find_element(By.ID, "sign-out").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "api_key"), "signed out")
        sign_in(driver, stack.url, desk_key)
        driver.get(f"{stack.url}/console/inbound?client=160")
        row = wait_until(
            driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#inbound tr[data-id]"), "the reply"
        )
        sender = row[0].find_element(By.CSS_SELECTOR, "code.sender").text
        assert sender == "+*********160"  # a key without sms:read-numbers: the last three digits
        assert number_of(160) not in driver.page_source
        driver.set_window_size(*PHONE)
        driver.get(f"{stack.url}/console/inbound")
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#inbound tr[data-id]"), "the list")
        shots.take("inbound-phone")
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    assert len(shots.saved) == 4


async def post(http: aiohttp.ClientSession, url: str, cookie: str, data: dict[str, str]) -> int:
    async with http.post(url, data=data, headers={"Cookie": cookie}, allow_redirects=False) as response:
        return response.status


async def page(http: aiohttp.ClientSession, url: str, cookie: str) -> tuple[int, str]:
    async with http.get(url, headers={"Cookie": cookie}, allow_redirects=False) as response:
        return response.status, await response.text()


async def test_forged_and_stale_requests_are_refused(
    installation: tuple[Stack, str], http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    stack, admin_key = installation
    api = GatewayClient(http, stack.url, stack.key)
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0).isoformat()
    waiting = await api.accepted("Loan committee on Monday.", clientId="151", sendAt=later)
    cancel = f"{stack.url}/console/messages/{waiting['id']}/cancel"
    with chromium(tmp_path / "profile") as driver:
        sign_in(driver, stack.url, admin_key)
        stolen = f"gsmgateway_console={driver.get_cookie('gsmgateway_console')['value']}"
        status, body = await page(http, f"{stack.url}/console/", stolen)
        assert status == 200
        token = CSRF.search(body)
        assert token
        assert await post(http, cancel, stolen, {}) == 403
        assert await post(http, cancel, stolen, {"csrf_token": "x" * 43}) == 403
        driver.find_element(By.ID, "sign-out").click()
        wait_until(driver, lambda d: d.find_elements(By.ID, "api_key"), "signed out")
    assert await post(http, cancel, stolen, {"csrf_token": token.group(1)}) == 403
    assert (await page(http, f"{stack.url}/console/", stolen))[0] == 303
    assert (await api.get(waiting["id"]))["status"] == "queued"


async def test_an_idle_session_ends_on_its_own(make_stack: StackFactory, http: aiohttp.ClientSession) -> None:
    stack = await make_stack(StackOptions(extra_toml="[console]\nidle_minutes = 0.05\n"))  # three seconds
    admin_key = await create_api_key(stack.config, "branch admin", "admin")
    later = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0).isoformat()
    waiting = await GatewayClient(http, stack.url, stack.key).accepted("Hi", clientId="152", sendAt=later)
    async with http.get(f"{stack.url}/console/sign-in") as form:
        sign_in_token = re.search(r'name="sign_in_token" value="([^"]+)"', await form.text())
        form_cookie = form.cookies["gsmgateway_console_signin"].value
    assert sign_in_token
    async with http.post(
        f"{stack.url}/console/sign-in", data={"sign_in_token": sign_in_token.group(1), "api_key": admin_key},
        headers={"Cookie": f"gsmgateway_console_signin={form_cookie}"}, allow_redirects=False,
    ) as signed:  # fmt: skip
        assert signed.status == 303
        cookie = f"gsmgateway_console={signed.cookies['gsmgateway_console'].value}"
    status, body = await page(http, f"{stack.url}/console/", cookie)
    assert status == 200
    token = CSRF.search(body)
    assert token
    await eventually(
        lambda: page(http, f"{stack.url}/console/", cookie),
        lambda answer: answer[0] == 303,
        timeout=30, what="the idle session ended", interval=0.5,
    )  # fmt: skip
    cancel = f"{stack.url}/console/messages/{waiting['id']}/cancel"
    assert await post(http, cancel, cookie, {"csrf_token": token.group(1)}) == 403
    assert (await GatewayClient(http, stack.url, stack.key).get(waiting["id"]))["status"] == "queued"
