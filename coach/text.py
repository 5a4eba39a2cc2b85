"""What counts as text the coach can keep and answer: shared by the bot and the web app.

Both sides must agree, or a reply the web app accepts could be refused by the bot (or
the other way round) and the trainee would see two different answers to one message.
"""

from __future__ import annotations

import re
import unicodedata

# NUL, and UTF-16 surrogates that arrive unpaired (a JSON "\\ud800" escape decodes to one).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> str:
    """``value`` with every character no database can store replaced by U+FFFD.

    PostgreSQL text cannot hold NUL (SQLite can), and neither database driver can
    encode an unpaired surrogate as UTF-8 (the write fails). Replacing them on every
    database means such a character never costs the trainee their turn, and both
    databases keep the same text.
    """
    return _UNSTORABLE.sub("\ufffd", value)


def is_blank(value: str) -> bool:
    """True when nothing in ``value`` would show: whitespace, control and format
    characters only (zero-width spaces and joiners, BOM, direction marks).

    ``str.strip()`` keeps U+200B and friends, so a reply of only those looked like text
    to the coach, and an invisible message was scored as if the trainee had said it.
    """
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in value)
