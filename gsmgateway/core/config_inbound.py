"""Configuration of two-way messaging: ``[inbound]``, ``[webhook_delivery]`` and ``[[webhooks]]``.

Kept apart from :mod:`gsmgateway.core.config` (which imports these) so each file keeps one job:
received SMS (concatenation timeout, opt-out/opt-in words, confirmation replies) and the webhook
endpoints with how they are called (signing secret, events, retries, circuit breaker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from gsmgateway.core.config_values import build_tables
from gsmgateway.core.webhook_names import NAME_CHARACTERS, default_names, url_host

WebhookEvent = Literal["inbound.received", "message.status"]
WEBHOOK_EVENTS: Final = ("inbound.received", "message.status")
MIN_SECRET_LENGTH: Final = 16


@dataclass(frozen=True)
class InboundConfig:
    """Received SMS: how long a long message waits for its parts, and the keywords."""

    concat_timeout_seconds: float = 1800.0  # then shown as incomplete (Kannel waits as long)
    opt_out_words: tuple[str, ...] = ("STOP",)
    opt_in_words: tuple[str, ...] = ("START",)
    confirm_keywords: bool = False  # queue a reply after an opt-out or opt-in
    opt_out_reply: str = "You will receive no more SMS from us. Reply START to receive them again."
    opt_in_reply: str = "You will receive SMS from us again. Reply STOP to stop them."


@dataclass(frozen=True)
class WebhookDeliveryConfig:
    """How every webhook is called: concurrency, retries with back-off, the circuit breaker."""

    max_concurrent: int = 8  # calls in flight at once, all endpoints together
    timeout_seconds: float = 10.0  # one call, connect to answer
    retry_base_seconds: float = 5.0  # back-off: base * 2^(attempt-1), capped, ± 20 %
    retry_max_seconds: float = 900.0
    give_up_hours: float = 72.0  # an event still undelivered after this is marked failed
    breaker_failures: int = 5  # consecutive failures that open an endpoint's circuit
    breaker_cooldown_seconds: float = 60.0  # open this long, then one trial call
    retention_days: int = 7  # delivered and failed events (and their attempt log) kept this long
    poll_seconds: float = 1.0  # how often the outbox is looked at for new status events


@dataclass(frozen=True)
class WebhookConfig:
    """One endpoint: where to POST, the signing secret, which events, and whether numbers go along."""

    url: str  # may carry a token or a password: never logged or shown; ``name`` and ``public_url`` are
    secret: str
    name: str = ""  # identifies it in the store, logs and metrics; empty: see core/webhook_names.py
    events: tuple[WebhookEvent, ...] = WEBHOOK_EVENTS
    include_numbers: bool = False  # phone numbers in payloads (sender, recipient) only when true
    max_concurrent: int = 4  # calls in flight to this endpoint at once

    def __post_init__(self) -> None:
        if not self.name:  # never the URL itself: it may carry a token, and the name is shown everywhere
            object.__setattr__(self, "name", default_names([self.url])[0])

    @property
    def public_url(self) -> str:
        """The URL as it may be shown: scheme and host, and ``/…`` where more was left out.

        User, password, path, query and fragment may each hold a token.
        """
        parts = urlsplit(self.url)
        hidden = "/…" if parts.path not in ("", "/") or parts.query or parts.fragment else ""
        return f"{parts.scheme}://{url_host(self.url)}{hidden}"

    def scrub(self, text: str) -> str:
        """Return ``text`` (an HTTP client's error, say) with this URL's secret parts taken out."""
        parts = urlsplit(self.url)
        text = text.replace(self.url, self.public_url)
        path = parts.path if len(parts.path) > 1 else ""
        for secret in (parts.password, parts.username, path, parts.query, parts.fragment):
            if secret:
                text = text.replace(secret, "***")
        return text


def build_webhooks(raw: Any, problems: list[str]) -> tuple[WebhookConfig, ...]:
    """Build ``[[webhooks]]``; record every problem (missing url or secret, unknown event …)."""
    if isinstance(raw, list):  # an unknown event is named, and the known ones are kept
        raw = _named([_known_events(item, index, problems) for index, item in enumerate(raw)])
    return tuple(build_tables(WebhookConfig, raw, "webhooks", ("url", "secret"), problems))


def _named(items: list[Any]) -> list[Any]:
    """Give each table without a name its default, unique among all (core/webhook_names.py)."""
    unnamed = [
        i for i, item in enumerate(items)
        if isinstance(item, dict) and not item.get("name") and isinstance(item.get("url"), str)
    ]  # fmt: skip
    given = [str(item["name"]) for item in items if isinstance(item, dict) and item.get("name")]
    names = default_names([items[i]["url"] for i in unnamed], taken=given)
    named = list(items)
    for i, name in zip(unnamed, names, strict=True):
        named[i] = {**items[i], "name": name}
    return named


def _known_events(item: Any, index: int, problems: list[str]) -> Any:
    events = item.get("events") if isinstance(item, dict) else None
    if not isinstance(events, list):
        return item
    problems.extend(
        f"webhooks[{index}].events: unknown event {e!r}" for e in events if e not in WEBHOOK_EVENTS
    )
    return {**item, "events": [e for e in events if e in WEBHOOK_EVENTS]}


def check_two_way(
    inbound: InboundConfig,
    delivery: WebhookDeliveryConfig,
    hooks: tuple[WebhookConfig, ...],
    problems: list[str],
) -> None:
    """Range and cross-field checks of the three sections."""
    if inbound.concat_timeout_seconds <= 0:
        problems.append("inbound.concat_timeout_seconds: must be > 0")
    if not any(word.strip() for word in inbound.opt_out_words):
        problems.append("inbound.opt_out_words: needs at least one word (STOP is the norm)")
    if inbound.confirm_keywords and not (inbound.opt_out_reply.strip() and inbound.opt_in_reply.strip()):
        problems.append("inbound: confirm_keywords needs opt_out_reply and opt_in_reply")
    for name in ("max_concurrent", "breaker_failures", "retention_days"):
        if getattr(delivery, name) < 1:
            problems.append(f"webhook_delivery.{name}: must be >= 1")
    for name in ("timeout_seconds", "retry_base_seconds", "retry_max_seconds", "give_up_hours",
                 "breaker_cooldown_seconds", "poll_seconds"):  # fmt: skip
        if getattr(delivery, name) <= 0:
            problems.append(f"webhook_delivery.{name}: must be > 0")
    seen: set[str] = set()
    for position, hook in enumerate(hooks):  # built ones only: a table missing its url is not among them
        named = NAME_CHARACTERS.fullmatch(hook.name) is not None  # a default always is
        where = f"webhooks[{hook.name!r}]" if named else f"webhooks[{position}]"
        if not named:  # the value is not repeated: it might be a URL with its token
            problems.append(
                f"{where}.name: 1 to 64 letters, digits and . _ : - [ ] (it names the endpoint in logs "
                "and metrics)"
            )
        parts = urlsplit(hook.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"{where}.url: must be an http:// or https:// URL, not {hook.public_url!r}")
        if len(hook.secret) < MIN_SECRET_LENGTH:
            problems.append(f"{where}.secret: at least {MIN_SECRET_LENGTH} characters (it signs every call)")
        if not hook.events:
            problems.append(f"{where}.events: at least one of {', '.join(WEBHOOK_EVENTS)}")
        if hook.max_concurrent < 1:
            problems.append(f"{where}.max_concurrent: must be >= 1")
        if hook.name in seen:
            problems.append(f"{where}: configured twice; give each endpoint a distinct name")
        seen.add(hook.name)
