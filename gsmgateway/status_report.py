"""``gsmgateway status``: the running daemon's ``/metrics`` and ``/ready``, for a person at the console.

It asks the daemon, not the store: only the daemon knows its modems' live state. It connects to the
configured API address from this machine (``0.0.0.0`` / ``::`` become loopback), where ``/metrics``
needs no key; with TLS configured it speaks HTTPS and trusts the configured certificate. The text is
parsed with prometheus-client's own parser, so the console shows exactly what Prometheus would see.
"""

from __future__ import annotations

import ssl
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.errors import GatewayError

_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - mapped away, not bound


def local_url(config: GatewayConfig) -> str:
    """Return the URL of the daemon's API as reached from this machine."""
    host = _WILDCARDS.get(config.api.host, config.api.host)
    host = f"[{host}]" if ":" in host else host
    scheme = "https" if config.api.tls_cert else "http"
    return f"{scheme}://{host}:{config.api.port}"


def _ssl_context(config: GatewayConfig) -> ssl.SSLContext | None:
    if not config.api.tls_cert:
        return None
    context = ssl.create_default_context(cafile=config.api.tls_cert)
    context.check_hostname = False  # we reach it by loopback, the certificate names the LAN address
    return context


@dataclass
class Picture:
    """What the status page shows, read from one scrape."""

    samples: dict[str, float] = field(default_factory=dict)
    by_label: dict[str, dict[tuple[str, ...], float]] = field(default_factory=lambda: defaultdict(dict))


def parse(text: str) -> Picture:
    """Read the exposition text into samples by name (and by label values)."""
    picture = Picture()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels:
                picture.by_label[sample.name][tuple(sample.labels.values())] = sample.value
            else:
                picture.samples[sample.name] = sample.value
    return picture


def render(url: str, ready: dict[str, object], picture: Picture) -> str:
    """Return the console page: readiness, queue, messages, counters, modems, inbound, webhooks, errors."""
    statuses = picture.by_label["gsmgateway_messages"]
    changes = picture.by_label["gsmgateway_message_status_changes_total"]
    lines = [
        f"gsmgateway at {url}: {ready.get('status', '?')} (store: {ready.get('store', '?')}"
        + (f", {ready['storeProblem']}" if ready.get("storeProblem") else "")
        + ")",
        f"queue: {int(picture.samples.get('gsmgateway_queue_depth', 0))} queued, oldest "
        f"{picture.samples.get('gsmgateway_queue_oldest_age_seconds', 0):.0f} s",
        "messages: " + ", ".join(f"{status} {int(n)}" for (status,), n in statuses.items() if n),
        f"since start: accepted {int(picture.samples.get('gsmgateway_messages_accepted_total', 0))}, "
        + ", ".join(f"{status} {int(n)}" for (status,), n in changes.items() if n),
    ]
    modem_lines: list[str] = []
    states = picture.by_label["gsmgateway_modem_state"]
    for (modem, state), value in sorted(states.items()):
        if value != 1:
            continue
        signal = picture.by_label["gsmgateway_modem_signal_dbm"].get((modem,))
        registered = picture.by_label["gsmgateway_modem_registered"].get((modem,))
        reconnects = picture.by_label["gsmgateway_modem_reconnects"].get((modem,), 0)
        modem_lines.append(
            f"  {modem}: {state}, signal {'-' if signal is None else f'{signal:.0f} dBm'}, "
            f"{'registered' if registered else 'not registered' if registered == 0 else 'registration -'}, "
            f"reconnects {int(reconnects)}"
        )
    lines += ["modems:", *(modem_lines or ["  none configured"])]
    received = picture.by_label["gsmgateway_inbound_received_total"]
    incomplete = picture.by_label["gsmgateway_inbound_incomplete_total"]
    if received:
        lines.append(
            f"received since start: {int(sum(received.values()))} ("
            + ", ".join(f"{match} {int(n)}" for match, n in sorted(_by_last(received).items()))
            + f"), incomplete {int(sum(incomplete.values()))}"
        )
    lines.extend(_webhook_lines(picture))
    errors = picture.by_label["gsmgateway_send_errors_total"]
    if errors:
        lines.append(
            "send errors by code: " + ", ".join(f"{code}: {int(n)}" for (code,), n in sorted(errors.items()))
        )
    return "\n".join(lines)


def _by_last(samples: dict[tuple[str, ...], float]) -> dict[str, float]:
    """Sum samples by their last label value (``match`` of ``(modem, match)``)."""
    sums: dict[str, float] = defaultdict(float)
    for labels, n in samples.items():
        sums[labels[-1]] += n
    return sums


def _webhook_lines(picture: Picture) -> list[str]:
    """One line per webhook endpoint, by its configured name (never its URL, which may hold a token)."""
    states = picture.by_label["gsmgateway_webhook_breaker_state"]
    pending = picture.by_label["gsmgateway_webhook_outbox_pending"]
    oldest = picture.by_label["gsmgateway_webhook_outbox_oldest_age_seconds"]
    calls = picture.by_label["gsmgateway_webhook_deliveries_total"]
    lines = []
    for endpoint in sorted({labels[0] for labels in states} | {labels[0] for labels in pending}):
        state = next((s for (name, s), v in states.items() if name == endpoint and v == 1), "-")
        outcomes = ", ".join(
            f"{o} {int(n)}" for (name, o), n in sorted(calls.items()) if name == endpoint and n
        )
        lines.append(
            f"  {endpoint}: {state}, {int(pending.get((endpoint,), 0))} waiting (oldest "
            f"{oldest.get((endpoint,), 0):.0f} s){f'; since start: {outcomes}' if outcomes else ''}"
        )
    return ["webhooks:", *lines] if lines else []


async def daemon_status(config: GatewayConfig, *, url: str | None = None) -> str:
    """Ask the running daemon and return the console page.

    :raises GatewayError: no daemon answered at ``url`` (default: :func:`local_url`).
    """
    url = url or local_url(config)
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(url, timeout=timeout) as http:
            context = _ssl_context(config)
            async with http.get("/metrics", ssl=context if context else True) as response:
                if response.status != 200:
                    raise GatewayError(f"{url}/metrics answered {response.status}")
                text = await response.text()
            async with http.get("/ready", ssl=context if context else True) as response:
                ready = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise GatewayError(
            f"no gsmgateway answers at {url} ({exc or type(exc).__name__}); is it running? "
            "systemctl status gsmgateway"
        ) from exc
    return render(url, ready, parse(text))
