"""Value types of received SMS (issue 11): one inbound message, how its sender matched, its keyword.

A received SMS-DELIVER is journaled by the collection seam (``core/inbox.py``) before the modem
deletes it; inbound processing (``messages/inbound.py``) turns each journaled part into an
``inbound_parts`` row — once, whatever re-reads a crash causes — and joins the parts of a long
message into one ``inbound_messages`` row. A message is ``partial`` while parts are missing,
``complete`` once all are in, and ``incomplete`` when the concatenation timeout passed first (it
still completes if the missing parts come later). Only complete and incomplete messages are
"received": listed by default, announced to webhooks, and looked at for keywords.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gsmgateway.core.errors import InvalidNumberError
from gsmgateway.core.numbers import normalise_number
from gsmgateway.core.records import RecipientKind


class PayloadEncoding(StrEnum):
    """How a received message's user data is coded (TS 23.038 §4, TP-DCS)."""

    GSM7 = "gsm7"  # the default alphabet with its extension table
    UCS2 = "ucs2"  # UTF-16BE; an emoji is a surrogate pair
    DATA = "8bit"  # 8-bit data (or compressed text): kept as bytes, shown as hex


class SenderType(StrEnum):
    """What TP-OA's type of number says about the sender (TS 23.040 §9.1.2.5)."""

    INTERNATIONAL = "international"
    NATIONAL = "national"
    ALPHANUMERIC = "alphanumeric"  # a name such as "MPESA": no number to match or to answer
    UNKNOWN = "unknown"  # digits of unknown type: read as people type numbers


class InboundState(StrEnum):
    """How far a received message got (the module docstring says when each applies)."""

    PARTIAL = "partial"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


#: States that count as received: listed by default, announced, looked at for keywords.
RECEIVED_STATES = (InboundState.COMPLETE, InboundState.INCOMPLETE)


class MatchStatus(StrEnum):
    """Whether the sender's number names exactly one client or staff member."""

    MATCHED = "matched"
    UNMATCHED = "unmatched"  # no entry has the number (or the sender is not a number)
    AMBIGUOUS = "ambiguous"  # several entries share it: reported, never guessed


class Keyword(StrEnum):
    """A message that is a configured opt-out or opt-in word."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


class KeywordResult(StrEnum):
    """What a keyword did to the directory."""

    APPLIED = "applied"  # the entry's optedOut changed; a directory event names the message
    UNCHANGED = "unchanged"  # the entry already was that way
    UNMATCHED = "unmatched"  # nobody to change
    AMBIGUOUS = "ambiguous"  # several candidates: nobody changed


def keyword_form(text: str) -> str:
    """Return ``text`` as keywords are compared: trimmed, case-folded, accents removed.

    ``" Stöp "`` and ``"STOP"`` compare equal; ``"stop please"`` does not (the whole message must
    be the word, so "stop by the office" never opts anyone out).
    """
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def keyword_of(text: str | None, *, opt_out: Iterable[str], opt_in: Iterable[str]) -> Keyword | None:
    """Return the keyword ``text`` is, if any (opt-out wins if a word is configured as both)."""
    if not text:
        return None
    form = keyword_form(text)
    if form in {keyword_form(word) for word in opt_out}:
        return Keyword.OPT_OUT
    if form in {keyword_form(word) for word in opt_in}:
        return Keyword.OPT_IN
    return None


def sender_number(sender: str, sender_type: SenderType, *, default_country_code: str) -> str | None:
    """Return a received message's sender as ``+digits`` (the directory's form), or None.

    A national number (TON 010) is the national significant number of our own country: the
    country code goes in front (a trunk prefix, if a network sends one, is read by the numbering
    plan). Digits of unknown type go through :func:`normalise_number` as typed. A name, or what no
    rule makes a number of, is None: nothing to match it with.
    """
    if sender_type is SenderType.ALPHANUMERIC:
        return None
    raw = sender
    if sender_type is SenderType.NATIONAL and not sender.startswith("0"):
        if not default_country_code:
            return None
        raw = f"+{default_country_code}{sender}"
    try:
        return normalise_number(raw, default_country_code=default_country_code)
    except InvalidNumberError:
        return None


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A directory entry (local, or a Fineract client) whose number is the sender's."""

    kind: RecipientKind
    entry_id: str
    source: str  # "local" | "fineract"
    mobile: str


@dataclass(frozen=True, kw_only=True)
class SenderMatch:
    """Who sent a message: exactly one candidate is a match; several are ambiguous."""

    number: str | None  # the sender as ``+digits``; None for a name or what cannot be normalised
    candidates: tuple[Candidate, ...]

    @property
    def status(self) -> MatchStatus:
        """Matched for one candidate, ambiguous for several, unmatched for none."""
        if len(self.candidates) == 1:
            return MatchStatus.MATCHED
        return MatchStatus.AMBIGUOUS if self.candidates else MatchStatus.UNMATCHED

    @property
    def matched(self) -> Candidate | None:
        """The one candidate, when there is exactly one."""
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass(frozen=True, kw_only=True)
class InboundView:
    """One received message as the API shows it (``text`` None for 8-bit data or after retention)."""

    id: int
    modem_id: str
    sender: str  # +digits, national digits, or the sender's name
    sender_type: SenderType
    state: InboundState
    encoding: PayloadEncoding
    text: str | None
    data_hex: str | None
    parts_total: int
    parts_received: int
    sent_at: datetime  # TP-SCTS of the first part, as the service centre stamped it
    received_at: datetime  # when the modem handed over the first part
    completed_at: datetime | None  # when the last part came (None while parts are missing)
    match_status: MatchStatus
    match_kind: RecipientKind | None
    match_id: str | None
    match_source: str | None
    candidates: int
    keyword: Keyword | None
    keyword_result: KeywordResult | None
    reply_message_id: int | None  # the confirmation queued for a keyword, when configured

    @property
    def client_id(self) -> str | None:
        """The matched client's id (the API's ``clientId``)."""
        return self.match_id if self.match_kind is RecipientKind.CLIENT else None

    @property
    def staff_id(self) -> str | None:
        """The matched staff member's id (the API's ``staffId``)."""
        return self.match_id if self.match_kind is RecipientKind.STAFF else None


@dataclass(frozen=True, kw_only=True)
class DirectoryChange:
    """An opt-out or opt-in that a received keyword made (``directory_events``)."""

    kind: RecipientKind
    entry_id: str
    change: str  # opted_out | opted_in
    at: datetime


@dataclass(frozen=True, kw_only=True)
class InboundDetail:
    """One received message with which parts are missing and what its keyword changed."""

    message: InboundView
    missing_parts: tuple[int, ...]
    change: DirectoryChange | None


@dataclass(frozen=True, kw_only=True)
class InboundPage:
    """One page of ``GET /inbound``, newest first; ``next_cursor`` None on the last page."""

    items: tuple[InboundView, ...]
    next_cursor: str | None


@dataclass(frozen=True, kw_only=True)
class InboundQuery:
    """Filters and paging of ``GET /inbound``; ``limit`` is 1-500."""

    client_id: str | None = None
    staff_id: str | None = None
    modem_id: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    match_status: MatchStatus | None = None
    states: tuple[InboundState, ...] = RECEIVED_STATES
    cursor: str | None = None
    limit: int = 50
