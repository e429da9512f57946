"""Normalisation for matching: the same party typed twice must give the same keys.

Pure functions; the service stores their results beside the values people typed. E-mail and
phone keys are shared with the other services: :mod:`crm_shared.contact_keys`.
"""

import re

_SPACES = re.compile(r"\s+")


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
