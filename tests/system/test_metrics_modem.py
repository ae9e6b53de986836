"""The modem figures of ``GET /metrics`` against what the simulator was told to do.

Scraped over real HTTP from the daemon and read with prometheus-client's own parser:

* ``gsmgateway_send_errors_total{code}`` moves by one for the one ``+CMS ERROR`` the simulator
  injects, under that code, and under no other.
* ``gsmgateway_modem_signal_dbm`` is the ``+CSQ`` the simulator reports, converted here with this
  test's own table from 3GPP TS 27.007 §8.5 (rssi 0 → -113 dBm or less, 1 → -111, 2..30 → -109..-53
  in steps of 2, 31 → -51 or more, 99 not known): an unknown signal shows no figure at all, never
  the last one.
* ``gsmgateway_modem_reconnects`` counts an unplug and replug once.
"""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.system.clients import GatewayClient, SimulatorControl, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.stack import StackOptions

pytestmark = SYSTEM
MODEM = "modem-1"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

#: TS 27.007 §8.5 +CSQ <rssi> → dBm (the bounds for 0 and 31 are "or less" / "or greater"); 99: none.
CSQ_DBM = {0: -113, 1: -111, **{rssi: -113 + 2 * rssi for rssi in range(2, 31)}, 31: -51}


async def scrape(http: aiohttp.ClientSession, url: str) -> Samples:
    """Every sample of ``GET /metrics`` (from this machine: no key) as (name, sorted labels) → value."""
    async with http.get(url + "/metrics") as response:
        assert response.status == 200, await response.text()
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labelled(samples: Samples, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Return the samples of one metric name, by their labels."""
    return {labels: value for (found, labels), value in samples.items() if found == name}


def modem_sample(samples: Samples, name: str) -> float | None:
    return samples.get((name, (("modem", MODEM),)))


async def test_an_injected_cms_error_moves_send_errors_under_its_code(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    before = labelled(await scrape(http, stack.url), "gsmgateway_send_errors_total")
    await sim.set_faults({"send_errors": [{"code": 42, "nth_send": 1}]})  # 27.005: congestion
    accepted = await gateway.accepted("Retried after congestion.", clientId="60")
    await gateway.wait_for(accepted["id"], "delivered")
    after = labelled(await scrape(http, stack.url), "gsmgateway_send_errors_total")
    moved = {labels: value - before.get(labels, 0.0) for labels, value in after.items()}
    assert {labels: n for labels, n in moved.items() if n} == {(("code", "42"),): 1.0}


async def test_signal_dbm_is_the_csq_the_modem_reports(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    sim = SimulatorControl(http, stack.sims[0].control)
    for rssi in (0, 1, 2, 17, 30, 31, 99, 12):  # 99 between two known ones: the old figure must go
        await sim.set_faults({"signal_rssi": rssi})
        expected = CSQ_DBM.get(rssi)
        await eventually(
            lambda: scrape(http, stack.url),
            lambda samples, want=expected: modem_sample(samples, "gsmgateway_modem_signal_dbm") == want,
            what=f"signal for +CSQ rssi {rssi}: {expected} dBm",
        )


async def test_an_unplug_and_replug_counts_one_reconnect(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions())
    gateway, sim = stack.clients(http)
    assert modem_sample(await scrape(http, stack.url), "gsmgateway_modem_reconnects") == 0
    await sim.unplug()
    await eventually(gateway.modems, lambda items: items[0]["state"] != "ready", what="the modem gone")
    await sim.replug()
    await GatewayClient(http, stack.url, stack.key).wait_ready()
    samples = await scrape(http, stack.url)
    assert modem_sample(samples, "gsmgateway_modem_reconnects") == 1
    assert samples[("gsmgateway_modem_state", (("modem", MODEM), ("state", "ready")))] == 1
