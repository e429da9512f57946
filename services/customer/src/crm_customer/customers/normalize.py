"""Normalisation for matching: the same person typed twice must give the same keys.

Pure functions; the service stores their results beside the values people typed.
"""

import re

import phonenumbers

_SPACES = re.compile(r"\s+")


# The problem type of a phone number that has the documented shape but is not a number of
# its country's numbering plan: a rule the OpenAPI can describe but not state as a pattern.
INVALID_PHONE_NUMBER = "invalid-phone-number"


class InvalidPhoneNumberError(ValueError):
    """The text is not a valid phone number (for the given default region)."""


def normalize_email(email: str | None) -> str | None:
    """Lower-case and trimmed; addresses are otherwise compared as written (no provider
    specific rules such as Gmail dots, which would merge different people elsewhere)."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def normalize_phone(phone: str | None, default_region: str) -> str | None:
    """E.164 (``+14155550123``); numbers without a country code are read in
    ``default_region``. Raises :class:`InvalidPhoneNumberError` for anything else."""
    if phone is None or not phone.strip():
        return None
    try:
        parsed = phonenumbers.parse(phone, default_region.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumberError(f"{phone!r} is not a phone number: {error}") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumberError(
            f"{phone!r} is not a valid phone number (read with default region "
            f"{default_region.upper()}; write it with its +country code otherwise)"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def fold(text: str | None) -> str:
    """Case- and space-insensitive form: case-folded, inner whitespace collapsed."""
    return _SPACES.sub(" ", (text or "").strip()).casefold()


def name_company_key(name: str, company: str | None, *, is_individual: bool) -> str | None:
    """The key that says two records name the same party.

    A business's name is its company name, so it is a key by itself. An individual's name
    alone is not (two John Smiths are usually two people): it is a key only together with
    the company the person works for.
    """
    folded_company = fold(company)
    if is_individual and not folded_company:
        return None
    return f"{fold(name)}|{folded_company}"


def normalize_tags(tags: list[str]) -> list[str]:
    """Trimmed, lower-case, without blanks or repeats, sorted: "VIP " and "vip" are one tag."""
    return sorted({fold(tag) for tag in tags if tag.strip()})
