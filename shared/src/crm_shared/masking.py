"""Masked personal data, for callers without ``customers:pii`` (the analyst, a partner client
not granted it): they learn that a value exists and roughly what kind it is, never the value.

The formats (documented in the README, "Record-level access and masking"):

- e-mail ``ada.lovelace@example.org`` -> ``a***@example.org``: the first character of the
  local part and the domain (which says "a company address" or "a freemail one");
- phone ``+442079460000`` -> ``+**********00``: the last two digits, every other digit a
  star (the length stays, so a number still looks like one);
- birth date -> ``null``: even the year narrows a person down in a small town;
- postal address lines (street, postal code) -> ``***``; the country, region and city stay,
  they are segmentation, not an address.

``None`` stays ``None`` everywhere: a missing value is not personal data.

Masking happens at the HTTP edge, in the mapping of each response schema
(:func:`mask_fields` with the schema's own list of personal fields), so no service or
repository sees a masked value and no masked value is ever written back.
"""

from collections.abc import Callable, Mapping
from typing import Any

HIDDEN = "***"


def mask_email(value: str | None) -> str | None:
    if value is None:
        return None
    local, at, domain = value.rpartition("@")
    if not at:
        return HIDDEN
    return f"{local[:1]}{HIDDEN}@{domain}"


def mask_phone(value: str | None) -> str | None:
    if value is None:
        return None
    digits = sum(character.isdigit() for character in value)
    shown = 2 if digits > 4 else 0
    masked, seen = [], 0
    for character in value:
        if character.isdigit():
            seen += 1
            masked.append(character if seen > digits - shown else "*")
        elif character == "+":
            masked.append(character)
    return "".join(masked)


def mask_text(value: Any) -> str | None:
    return None if value is None else HIDDEN


def drop(value: Any) -> None:
    return None


Masker = Callable[[Any], Any]


def mask_fields(values: Mapping[str, Any], maskers: Mapping[str, Masker]) -> dict[str, Any]:
    """``values`` with each field named in ``maskers`` replaced by its masked form."""
    return {
        name: maskers[name](value) if name in maskers else value for name, value in values.items()
    }


# The personal fields of a contact-like record (a customer, a contact, a view's row).
CONTACT_POINTS: dict[str, Masker] = {"email": mask_email, "phone": mask_phone}
# A postal address.
ADDRESS_LINES: dict[str, Masker] = {"street": mask_text, "postal_code": mask_text}
# Demographic data that identifies a person.
BIRTH: dict[str, Masker] = {"birth_date": drop}
# Every personal field by name, for a free-form document (an event's data in a timeline).
PERSONAL_KEYS: dict[str, Masker] = {**CONTACT_POINTS, **ADDRESS_LINES, **BIRTH}


def mask_document(value: Any) -> Any:
    """``value`` (JSON: dicts, lists, scalars) with every text field named in
    :data:`PERSONAL_KEYS`, at any depth, masked (only text: ``consent: {"email": true}``
    names a channel, not an address)."""
    if isinstance(value, dict):
        return {
            key: PERSONAL_KEYS[key](item)
            if key in PERSONAL_KEYS and isinstance(item, str)
            else mask_document(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_document(item) for item in value]
    return value
