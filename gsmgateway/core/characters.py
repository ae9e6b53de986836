"""The one rule for characters a caller may send: no control characters but newline, no lone surrogates.

Every string field of the API (``api/schemas.py``) and the message text in the service
(``messages/submission.py``) are checked with this one pattern, so a text the schema lets through is
never refused later for a character, and the other way round.
"""

from __future__ import annotations

import re
from typing import Final

#: Unicode categories Cc (C0, DEL, C1 — tab and CR included) and Cs (lone surrogates, which JSON's
#: ``"\ud800"`` escapes produce); newline is allowed. A regex scan is many times faster than a
#: per-character category lookup on a batch of 1000 texts.
FORBIDDEN_CHARACTERS: Final = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def first_forbidden_character(text: str) -> re.Match[str] | None:
    """Return where ``text`` holds its first forbidden character, or None when it holds none."""
    return FORBIDDEN_CHARACTERS.search(text)
