"""The one rule for text the CRM accepts: no control characters.

Refused: NUL and the rest of C0 (U+0000-U+001F) except TAB, LF and CR; DEL (U+007F); and C1
(U+0080-U+009F). TAB, LF and CR are ordinary whitespace of multi-line text (a note, an
address, a quoted CSV cell) and are accepted. Everything else, including the Unicode line
and paragraph separators and format characters, is left to the field's own rules.

Every API checks its text with :func:`control_character_at` (JSON strings, the path and the
query in :mod:`crm_shared.api`; CSV cells in the customer import), so that a NUL byte never
reaches a database, an event or a log line.
"""

import re

# C0 without TAB (09), LF (0A), CR (0D); DEL (7F); C1 (80-9F). NUL is the first of C0.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character_at(text: str) -> int | None:
    """The index of the first refused control character in ``text``; ``None`` if none is."""
    match = CONTROL_CHARACTERS.search(text)
    return None if match is None else match.start()


def describe_control_character(text: str, index: int) -> str:
    """The character at ``index`` for a message, counted from 1: ``U+0000 at character 5``."""
    return f"U+{ord(text[index]):04X} at character {index + 1}"
