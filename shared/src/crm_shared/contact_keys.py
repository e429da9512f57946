"""Contact keys for matching: the same person typed twice must give the same keys.

One normalisation for every service that matches people by e-mail or phone (the customer
master's duplicate checks and CSV import, the sales service's lead de-duplication), so a
lead and a customer compare equal exactly when the master would call them the same person.
Pure functions; a service stores their results beside the values people typed.
"""

import phonenumbers

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
