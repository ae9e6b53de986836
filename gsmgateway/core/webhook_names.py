"""The name a webhook endpoint gets when the operator gives none: unique, valid, and free of secrets.

A name identifies an endpoint in the store (its history and pending events), in log lines and in
metric labels, so it must be 1 to 64 characters of :data:`NAME_CHARACTERS` and distinct from every
other endpoint's. No part of the URL but its host is ever used: a user, a password, a query and the
path too may carry a token (chat and CRM webhooks often put the secret in the path).

An unnamed endpoint is called by its ``host[:port]`` (an IDN host in punycode, as DNS sees it). Only
when another endpoint would get the same name is a digest of the whole URL added
(``crm.example.org-1f0a9c3e``: the first eight hex digits of its SHA-256), which tells the endpoints
apart, stays the same whatever order the configuration lists them in, and reveals nothing of the URL.
A name that would be longer than 64 characters keeps its start and ends in a digest of the whole.
Two unnamed endpoints with one and the same URL get one name, which the configuration check refuses.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

#: What an endpoint's name may be: it labels metrics and log lines, so no spaces, quotes or ``@``.
NAME_CHARACTERS: Final = re.compile(r"[A-Za-z0-9[][A-Za-z0-9._:[\]-]{0,63}")
MAX_NAME_LENGTH: Final = 64
_OTHER: Final = re.compile(r"[^A-Za-z0-9._:[\]-]+")
_DIGEST_LENGTH: Final = 8
_NO_HOST: Final = "webhook"  # a URL without a host (the URL check reports it) still gets a valid name


def url_host(url: str) -> str:
    """``host[:port]`` of ``url`` as written: no user, no password (empty when there is no host)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:  # not a number: the URL check reports it
        port = None
    return f"{host}:{port}" if host and port else host


def default_names(urls: Sequence[str], taken: Sequence[str] = ()) -> list[str]:
    """Return a name for each unnamed endpoint's URL: distinct, valid, apart from the ``taken`` names."""
    hosts = [_host_name(url) for url in urls]
    host_uses = Counter([*hosts, *taken])
    return [
        _shortened(host if host_uses[host] == 1 else f"{host}-{_digest(url)}")
        for host, url in zip(hosts, urls, strict=True)
    ]


def _host_name(url: str) -> str:
    host = url_host(url)
    try:
        host = host.encode("idna").decode("ascii")  # müller.example.org -> xn--mller-kva.example.org
    except UnicodeError:  # a label DNS could not carry: the URL will not work, but the name must
        pass
    return _valid(host) or _NO_HOST


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:_DIGEST_LENGTH]


def _valid(text: str) -> str:
    """Return ``text`` with each run of characters a name may not hold as ``_``, starting well."""
    return _OTHER.sub("_", text).lstrip("._:]-")


def _shortened(name: str) -> str:
    if len(name) <= MAX_NAME_LENGTH:
        return name
    return f"{name[: MAX_NAME_LENGTH - _DIGEST_LENGTH - 1]}-{_digest(name)}"
