"""The whole exception tree of gsmgateway.

Every error the gateway raises on purpose is a :class:`GatewayError`. Foreign exceptions
(``serial.SerialException``, ``sqlalchemy.exc.*``, ``OSError``, decoder crashes inside
``gsmmodem.pdu``) are wrapped where they enter our code, with ``raise … from exc``, so that a
caller only ever has to know this tree. Each class also inherits the matching builtin, so
``except TimeoutError`` or ``except LookupError`` keeps working for callers who think that way.

::

    GatewayError(Exception)
    ├── ConfigError(ValueError)                 every problem of a config file, listed at once
    ├── ValidationError(ValueError)             bad API input: field, type, length, encoding  → 400/422
    │   ├── InvalidNumberError                  a phone number that is not +digits
    │   └── BatchValidationError                items of a batch are invalid: (index, error) pairs
    ├── AuthError                               missing or unknown API key                    → 401
    │   ├── ForbiddenError                      key lacks the scope                           → 403
    │   └── SessionEndedError                   console: no live session for the cookie       → sign-in page
    ├── RateLimitedError                        per key / per recipient limit; retry_after    → 429
    ├── ConflictError                           same idempotency key, different body          → 409
    ├── RecipientError(LookupError)             unknown id, no number, opted out              → 404/422
    ├── DirectoryError                          Fineract lookup failed (network, 5xx)         → 503
    ├── StoreError                              database failure (wrapped SQLAlchemy error)   → 503
    │   ├── MessageNotFoundError(LookupError)   no message with that id                       → 404
    │   ├── StaleTransitionError                compare-and-set lost: illegal or raced move   → 409
    │   ├── StoreInUseError                     another daemon holds the store (or a modem on it)
    │   └── StoreLostError                      the database file vanished under the running daemon
    └── ModemError                              carries modem_id (what each one means: messages/attempts.py)
        ├── ModemUnavailableError(ConnectionError)  not open, unplugged, gave up reconnecting
        ├── ModemTimeoutError(TimeoutError)         no final result before our deadline
        │   └── OutcomeUnknownError                 timeout/crash after the PDU left the port
        ├── ModemProtocolError                      unparseable or desynchronised stream
        ├── PduError(ValueError)                    a PDU we cannot encode or decode
        └── ModemCommandError                       bare ``ERROR`` (or a vendor synonym)
            ├── CmeError                            ``+CME ERROR: n`` (equipment / SIM)
            └── CmsError                            ``+CMS ERROR: n`` (SMS service)

``asyncio.CancelledError`` is never caught and converted.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error gsmgateway raises on purpose.

    :param message: what went wrong, in words an operator understands.
    :param code: a numeric code where one exists (CMS/CME number, HTTP-ish code), else None.
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(GatewayError, ValueError):
    """The configuration cannot be used; ``problems`` lists every one found, not just the first.

    Examples: an unknown key in ``gsmgateway.toml``, a negative retry delay, two modems with one id.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(self.problems))


class ValidationError(GatewayError, ValueError):
    """Input from a caller is malformed; nothing was stored.

    Examples: malformed JSON, an unknown field, an empty message, ``sendAt`` without a time zone.

    :param field: the offending field (JSON name), when there is one.
    """

    def __init__(
        self, message: str, *, field: str | None = None, error_type: str = "validation_error"
    ) -> None:
        super().__init__(message)
        self.field = field
        self.error_type = error_type


class InvalidNumberError(ValidationError):
    """A phone number that cannot be normalised to ``+digits`` (spaces, letters, too short)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, error_type="invalid_number")


class AuthError(GatewayError):
    """The request carries no API key, or one the gateway does not know."""


class ForbiddenError(AuthError):
    """The API key is valid but lacks the scope the endpoint needs (e.g. ``sms:send``)."""


class SessionEndedError(AuthError):
    """The operator console has no live session for this cookie.

    Examples: never signed in, signed out, idle or absolute expiry, the key was revoked since.
    """


class RateLimitedError(GatewayError):
    """Too many requests for a key or messages for a recipient; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConflictError(GatewayError):
    """The request contradicts stored state, e.g. an idempotency key reused with another body."""


class RecipientError(GatewayError, LookupError):
    """A client or staff member cannot receive SMS: unknown id, no mobile number, or opted out.

    :param reason: ``unknown`` | ``no_number`` | ``opted_out``.
    """

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


class DirectoryError(GatewayError):
    """The live directory (Fineract) could not answer: network error, timeout, 5xx."""


class StoreError(GatewayError):
    """The database failed: locked past the busy timeout, disk full, connection lost."""


class MessageNotFoundError(StoreError, LookupError):
    """No message with the requested id exists."""


class StaleTransitionError(StoreError):
    """A compare-and-set status change found the message in another status.

    Raised when two workers race for one message (the loser gets this), or when a transition is not
    in the allowed table (e.g. cancelling a message that is already ``sent``).
    """


class StoreInUseError(StoreError):
    """Another gateway process holds this store: its SQLite lock, or on PostgreSQL one of our modems.

    Raised at start, before anything is recovered or sent; the message names the holder when known.
    """


class StoreLostError(StoreError):
    """The database file was deleted or replaced while the daemon ran: it stops instead of writing on."""


class ModemError(GatewayError):
    """Something went wrong talking to one modem.

    :param modem_id: which modem, as named in the configuration.

    What an error means for a message (retry, fail, unknown) is decided by the class alone, in
    ``gsmgateway/messages/attempts.py``; the errors themselves carry no verdict.
    """

    def __init__(self, message: str, *, modem_id: str = "", code: int | None = None) -> None:
        super().__init__(message, code)
        self.modem_id = modem_id


class ModemUnavailableError(ModemError, ConnectionError):
    """The modem cannot take commands now: port missing, unplugged, not yet initialised.

    Nothing was sent; a message may go back to the queue without spending an attempt.
    ``reason`` names why, where the one who raises knows (a ``core/models.ModemReason`` value such
    as ``missing``, ``permission``, ``busy``): ``GET /modems`` shows it.
    """

    def __init__(
        self, message: str, *, modem_id: str = "", code: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message, modem_id=modem_id, code=code)
        self.reason = reason


class ModemTimeoutError(ModemError, TimeoutError):
    """No final result code arrived before our deadline (pyserial itself never says so)."""


class OutcomeUnknownError(ModemTimeoutError):
    """The PDU may have left the port but no ``+CMGS`` answer came: the SMS may or may not be out.

    Never retried automatically: retrying is how other gateways send duplicates.
    """


class ModemProtocolError(ModemError):
    """The modem said something we cannot parse where a specific answer was required."""


class PduError(ModemError, ValueError):
    """A PDU could not be built (text or number unsupported) or decoded (truncated, bad hex)."""


class ModemCommandError(ModemError):
    """The modem answered a command with ``ERROR`` (or a vendor synonym such as ``COMMAND NOT SUPPORT``).

    ``category`` is the class from the result tables: ``transient`` | ``permanent`` | ``configuration``.
    """

    def __init__(
        self,
        message: str,
        *,
        modem_id: str = "",
        code: int | None = None,
        category: str = "transient",
    ) -> None:
        super().__init__(message, modem_id=modem_id, code=code)
        self.category = category


class CmeError(ModemCommandError):
    """``+CME ERROR: n``: the equipment or SIM refused (SIM busy 14, PIN required 11, …)."""


class CmsError(ModemCommandError):
    """``+CMS ERROR: n``: the SMS service refused (network failure 17, invalid PDU 304, …)."""


class BatchValidationError(ValidationError):
    """One or more items of a batch are invalid; nothing of the batch was stored.

    ``items`` pairs each bad item's index with its error, so the caller can fix all of them at once.
    """

    def __init__(self, items: list[tuple[int, GatewayError]]) -> None:
        super().__init__(f"{len(items)} item(s) of the batch are invalid", error_type="batch_invalid")
        self.items = list(items)
