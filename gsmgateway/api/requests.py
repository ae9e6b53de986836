"""The request bodies and query strings of the public API, declared once.

Handlers parse with these objects and ``GET /openapi.json`` renders them, so the two agree by
construction. Field names are camelCase on the wire (the platform's convention) and snake_case
(``attr``) once parsed.
"""

from __future__ import annotations

from typing import Final

from gsmgateway.api.schemas import Field, FieldKind, ObjectSchema
from gsmgateway.core.models import MessageStatus
from gsmgateway.messages.submission import MAX_KEY_LENGTH, RECIPIENT_FIELDS, check_recipient_fields

MAX_TEXT_CHARS: Final = 5000  # far above any allowed part count; the part limit is checked precisely later
MAX_LIST_LIMIT: Final = 500
DEFAULT_LIST_LIMIT: Final = 50
BATCH_BODY_FACTOR: Final = 32
"""A batch body may be this many times ``api.max_body_bytes`` (1000 items do not fit in 64 KiB)."""

SUBMIT_SMS: Final = ObjectSchema(
    name="SubmitSms",
    description="One SMS to a client or a staff member, named by id; never a phone number.",
    exactly_one_of=RECIPIENT_FIELDS,
    rule=check_recipient_fields,
    fields=(
        Field(
            "message",
            "message",
            FieldKind.TEXT,
            "The text. Newlines are allowed, other control characters are not; the text must fit in "
            "the configured number of SMS parts (default 6).",
            example="Your repayment of 25,000 TZS is due tomorrow.",
            required=True,
            max_length=MAX_TEXT_CHARS,
        ),
        Field("clientId", "client_id", FieldKind.IDENTIFIER, "The client to text.", example="12"),
        Field("staffId", "staff_id", FieldKind.IDENTIFIER, "The staff member to text.", example="7"),
        Field(
            "sendAt",
            "send_at",
            FieldKind.DATETIME,
            "Send no earlier than this moment; needs an offset (Z or +03:00) and must be within the "
            "configured horizon (default 30 days). A moment in the past means now.",
            example="2025-01-15T09:00:00+03:00",
        ),
        Field(
            "externalId",
            "external_id",
            FieldKind.STRING,
            "The caller's own id for this message. Acts as an idempotency key: the same externalId "
            "again returns the first message instead of sending a second SMS.",
            example="loan-4711-reminder-3",
            min_length=1,
            max_length=MAX_KEY_LENGTH,
        ),
    ),
)

SUBMIT_BATCH: Final = ObjectSchema(
    name="SubmitSmsBatch",
    description="Up to 1000 messages accepted or refused together: one bad item refuses them all.",
    fields=(
        Field(
            "items",
            "items",
            FieldKind.ARRAY,
            "The messages; each is a SubmitSms.",
            example=[{"message": "Meeting at 10:00", "staffId": "7"}],
            required=True,
            maximum=1000,
            items=SUBMIT_SMS,
        ),
    ),
)

LIST_SMS: Final = ObjectSchema(
    name="ListSmsQuery",
    description="Filters and paging of GET /sms; newest first.",
    fields=(
        Field(
            "status",
            "status",
            FieldKind.STRING,
            "Only messages in this status.",
            example="delivered",
            choices=tuple(s.value for s in MessageStatus),
        ),
        Field("clientId", "client_id", FieldKind.IDENTIFIER, "Only messages to this client.", example="12"),
        Field(
            "staffId", "staff_id", FieldKind.IDENTIFIER, "Only messages to this staff member.", example="7"
        ),
        Field(
            "createdFrom",
            "created_from",
            FieldKind.DATETIME,
            "Only messages created at or after this moment.",
            example="2030-01-01T00:00:00Z",
        ),
        Field(
            "createdTo",
            "created_to",
            FieldKind.DATETIME,
            "Only messages created before this moment.",
            example="2030-02-01T00:00:00Z",
        ),
        Field(
            "cursor",
            "cursor",
            FieldKind.STRING,
            "The nextCursor of the previous page; opaque.",
            example="eyJpZCI6IDQyfQ",
            max_length=512,
        ),
        Field(
            "limit",
            "limit",
            FieldKind.INTEGER,
            f"Page size, 1 to {MAX_LIST_LIMIT} (default {DEFAULT_LIST_LIMIT}).",
            example=100,
            minimum=1,
            maximum=MAX_LIST_LIMIT,
        ),
    ),
)

PUT_DIRECTORY_ENTRY: Final = ObjectSchema(
    name="DirectoryEntryInput",
    description="A client or staff member's mobile number and whether they opted out of SMS.",
    fields=(
        Field(
            "mobile",
            "mobile",
            FieldKind.STRING,
            "The mobile number; normalised to +digits on the way in (a national number needs the "
            "configured default country code). Absent: the person has no number, messages are refused.",
            example="+255712345678",
            max_length=32,
        ),
        Field(
            "optedOut",
            "opted_out",
            FieldKind.BOOLEAN,
            "True when the person asked not to receive SMS; messages to them are refused.",
            example=False,
        ),
        Field(
            "name",
            "name",
            FieldKind.STRING,
            "A display name, for operators.",
            example="Asha M.",
            max_length=200,
        ),
    ),
)

REQUEST_SCHEMAS: Final = (SUBMIT_SMS, SUBMIT_BATCH, PUT_DIRECTORY_ENTRY)
"""Every JSON request body the API accepts; rendered into ``components.schemas``."""
