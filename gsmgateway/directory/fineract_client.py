"""Live lookup of a client's or staff member's mobile number in Apache Fineract.

``GET {base}/clients/{id}`` or ``GET {base}/staff/{id}`` with HTTP Basic and the
``Fineract-Platform-TenantId`` header; the number is in ``mobileNo``. Who has a number (a received
SMS's sender) is asked with ``GET {base}/search?resource=clients`` — clients only: Fineract has no
search of staff by number. The HTTP client session is
created on first use and closed by :meth:`FineractClient.close`.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp

from gsmgateway.core.config_sections import FineractConfig
from gsmgateway.core.errors import DirectoryError
from gsmgateway.core.records import RecipientKind

logger = logging.getLogger(__name__)
_PATHS = {RecipientKind.CLIENT: "clients", RecipientKind.STAFF: "staff"}


@dataclass(frozen=True)
class FineractPerson:
    """What Fineract says about one client or staff member (``mobile`` as Fineract stores it)."""

    entry_id: str
    mobile: str | None
    name: str | None


class FineractClient:
    """A small async client for the two Fineract endpoints the gateway needs."""

    def __init__(self, config: FineractConfig) -> None:
        self._config = config
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, kind: RecipientKind, entry_id: str) -> FineractPerson | None:
        """Return the person, or None when Fineract answers 404.

        :raises DirectoryError: network error, timeout, 5xx or an answer that is not JSON.
        """
        url = f"{self._config.base_url.rstrip('/')}/{_PATHS[kind]}/{quote(entry_id, safe='')}"
        try:
            async with self._client().get(url) as response:
                if response.status == 404:
                    return None
                if response.status >= 400:
                    raise DirectoryError(f"Fineract answered {response.status} for {kind} {entry_id}")
                body = await response.json(content_type=None)
        except TimeoutError as exc:  # its text is empty: say what happened
            raise DirectoryError(
                f"Fineract lookup of {kind} {entry_id} failed: no answer within "
                f"{self._config.timeout_seconds:g} s (fineract.timeout_seconds)"
            ) from exc
        except (aiohttp.ClientError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            reason = str(exc) or type(exc).__name__
            raise DirectoryError(f"Fineract lookup of {kind} {entry_id} failed: {reason}") from exc
        if not isinstance(body, dict):
            raise DirectoryError(f"Fineract answered something other than an object for {kind} {entry_id}")
        mobile = body.get("mobileNo")
        name = body.get("displayName")
        return FineractPerson(
            entry_id=entry_id,
            mobile=str(mobile) if mobile not in (None, "") else None,
            name=str(name) if name else None,
        )

    async def search_clients(self, query: str) -> list[FineractPerson]:
        """Return the clients whose mobile number (or name, account or external id) contains ``query``.

        Fineract's ``GET /clients`` has no number filter; ``GET /search?resource=clients`` matches
        ``mobile_no LIKE %query%`` (``SearchReadPlatformServiceImpl``), within the user's office
        hierarchy, at most 50 results. The caller keeps only exact matches of the number.

        :raises DirectoryError: network error, timeout, an error status or an answer that is not a list.
        """
        url = f"{self._config.base_url.rstrip('/')}/search"
        params = {"query": query, "resource": "clients", "exactMatch": "false"}
        try:
            async with self._client().get(url, params=params) as response:
                if response.status >= 400:
                    raise DirectoryError(f"Fineract search answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            # A response error's text carries the URL, whose query is the number searched for (logged).
            detail = type(exc).__name__ if isinstance(exc, aiohttp.ClientResponseError) else str(exc)
            detail = detail or type(exc).__name__  # a timeout's text is empty
            raise DirectoryError(f"Fineract search failed: {detail}") from exc
        if not isinstance(body, list):
            raise DirectoryError("Fineract search answered something other than a list")
        return [
            FineractPerson(entry_id=str(item["entityId"]), mobile=str(item["entityMobileNo"]),
                           name=str(item["entityName"]) if item.get("entityName") else None)
            for item in body
            if isinstance(item, dict) and str(item.get("entityType", "")).upper() == "CLIENT"
            and item.get("entityId") is not None and item.get("entityMobileNo")
        ]  # fmt: skip

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={
                    "Authorization": _basic_auth(self._config.username, self._config.password),
                    "Fineract-Platform-TenantId": self._config.tenant,
                    "Accept": "application/json",
                },
                timeout=aiohttp.ClientTimeout(total=self._config.timeout_seconds),
                connector=aiohttp.TCPConnector(ssl=self._config.verify_tls),
            )
        return self._session

    async def close(self) -> None:
        """Close the HTTP session (idempotent)."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


def _basic_auth(username: str, password: str) -> str:
    """Return an HTTP Basic ``Authorization`` value (by hand: aiohttp's helper differs by version)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
