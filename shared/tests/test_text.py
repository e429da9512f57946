"""The rule for text: control characters are refused, TAB, LF and CR are not."""

import pytest
from crm_shared.text import control_character_at, describe_control_character

REFUSED = [
    *(chr(code) for code in range(0x00, 0x20) if chr(code) not in "\t\n\r"),  # C0 and NUL
    "\x7f",  # DEL
    *(chr(code) for code in range(0x80, 0xA0)),  # C1
]


@pytest.mark.parametrize("char", REFUSED, ids=lambda char: f"U+{ord(char):04X}")
def test_every_control_character_is_found(char: str) -> None:
    assert control_character_at(char) == 0
    assert control_character_at(f"Ann{char}Lee") == 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Ann Lee",
        "two\tcells\nthree\r\nlines\r",  # TAB, LF and CR are whitespace of multi-line text
        " ~",  # the printable ASCII edges
        "\xa0é \u2013 \u201cquoted\u201d 日本 😀",  # NBSP (U+00A0, after C1), the rest of Unicode
        "\u2028\u2029\u200b\ufeff",  # separators and format characters: the field's own rules
    ],
)
def test_text_without_control_characters_passes(text: str) -> None:
    assert control_character_at(text) is None


def test_the_first_control_character_is_the_one_reported() -> None:
    text = "ab\x1fcd\x00"
    assert control_character_at(text) == 2
    assert describe_control_character(text, 2) == "U+001F at character 3"


def test_description_counts_characters_from_one() -> None:
    assert describe_control_character("Ann\x00", 3) == "U+0000 at character 4"
    text = "😀\x85"  # characters, not bytes nor UTF-16 units
    assert describe_control_character(text, control_character_at(text) or 0) == (
        "U+0085 at character 2"
    )


def test_a_control_character_far_into_a_long_text_is_found() -> None:
    text = "x" * 1_000_000 + "\x00"
    assert control_character_at(text) == 1_000_000
