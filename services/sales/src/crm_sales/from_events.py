"""What the records other services' events open share: an id derived from the event's own
key (a replayed or re-published event names the same record, so it opens nothing twice),
and free text cut to fit a column."""

import uuid

ELLIPSIS = "..."


def derived_id(kind: str, key: str) -> str:
    """The id of the ``kind`` of record an event with ``key`` opens (a UUID, as ours are)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crm-sales:{kind}:{key}"))


def shortened(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace, line breaks too, are one space) and at most
    ``limit`` characters: cut after the last whole word that fits, marked by an ellipsis
    (mid-word only when a single word fills more than half the room)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    room = limit - len(ELLIPSIS)
    cut = flat[: room + 1]
    at_word = cut.rfind(" ")
    kept = cut[:at_word] if at_word > room // 2 else flat[:room]
    return kept.rstrip(" ,;:.-") + ELLIPSIS
