"""The customer's survey pages (the signed link needs no login): the form, the thank-you
page and the error pages. Plain HTML: no script, no external asset, every value escaped;
each question is a fieldset whose radios have their own labels."""

from collections.abc import Mapping, Sequence
from html import escape

from crm_shared.html_pages import message_page, page
from crm_shared.text import control_character_at

from crm_support.surveys import rules

MAX_COMMENT = 4000
# The default items in words; an item added by the settings shows its id in words.
QUESTIONS = {
    "problem_fixed": "Was your problem fixed?",
    "questions_answered": "Were your questions answered?",
    "staff_attitude": "How were you treated by our staff?",
    "speed": "How quickly was your request handled?",
    "overall": "Overall, how satisfied are you?",
}
SCALE = {1: "1 (very poor)", 2: "2", 3: "3", 4: "4", 5: "5 (excellent)"}


class FormError(Exception):
    """A submitted form that cannot be stored as it is; the message is for the customer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def question_of(item: str) -> str:
    return QUESTIONS.get(item, item.replace("_", " ").capitalize())


def _radios(name: str, id_prefix: str, legend: str, chosen: str | None) -> str:
    options = []
    for value, words in SCALE.items():
        field_id = f"{id_prefix}-{value}"
        checked = " checked" if chosen == str(value) else ""
        options.append(
            f'<input type="radio" id="{field_id}" name="{escape(name)}" value="{value}"'
            f'{checked}><label for="{field_id}">{escape(words)}</label>'
        )
    return f"<fieldset>\n<legend>{escape(legend)}</legend>\n{''.join(options)}\n</fieldset>"


def form_page(
    items: Sequence[str], *, error: str | None = None, sent: Mapping[str, str] | None = None
) -> str:
    """The form; after a refused post, with ``error`` and what was ``sent`` kept."""
    sent = sent or {}
    parts = [
        "<p>Thank you for taking a minute to tell us how we handled your request. "
        "Answer the questions you wish to (at least one); for each you may also say what "
        "you had expected.</p>"
    ]
    if error:
        parts.append(f'<p class="error" role="alert">{escape(error)}</p>')
    parts.append('<form method="post">')
    for number, item in enumerate(items, start=1):
        # One group per question, its legend read out with each of its two scales; ids by
        # position, as an item's name need not make a valid id.
        score, expected = f"score-{item}", f"expected-{item}"
        parts.append(f"<fieldset>\n<legend>{escape(question_of(item))}</legend>")
        parts.append(_radios(score, f"q{number}-score", "Your rating", sent.get(score)))
        parts.append(
            _radios(
                expected,
                f"q{number}-expected",
                "What you had expected (optional)",
                sent.get(expected),
            )
        )
        parts.append("</fieldset>")
    parts.append(
        '<p><label for="comment">Anything else you want to tell us? (optional)</label><br>'
        f'<textarea id="comment" name="comment" rows="5" maxlength="{MAX_COMMENT}">'
        f"{escape(sent.get('comment', ''))}</textarea></p>"
    )
    parts.append('<p><button type="submit">Send my answers</button></p>\n</form>')
    return page("How did we do?", "\n".join(parts))


def thanks_page() -> str:
    return page("Thank you", "<p>Your answers have been received. Thank you for your time.</p>")


def error_page(title: str, message: str) -> str:
    return message_page(title, message)


def answers_from_form(
    pairs: Sequence[tuple[str, str]], items: Sequence[str]
) -> tuple[list[rules.Answer], str | None]:
    """The answers and comment of a submitted form, or FormError saying what is wrong."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            raise FormError(f"the field {name} was sent twice")
        fields[name] = value.strip()
    answers = []
    for item in items:
        score = _score(fields.get(f"score-{item}"), item)
        expected = _score(fields.get(f"expected-{item}"), item)
        if score is None and expected is not None:
            raise FormError(f"{question_of(item)}: say how it was, not only what you expected")
        if score is not None:
            answers.append(rules.Answer(item, score, expected))
    if not answers:
        raise FormError("Please answer at least one question.")
    comment = fields.get("comment") or None
    if comment is not None:
        if len(comment) > MAX_COMMENT:
            raise FormError(f"The comment is longer than {MAX_COMMENT} characters.")
        if control_character_at(comment) is not None:
            raise FormError("The comment contains characters that cannot be stored.")
    return answers, comment


def _score(value: str | None, item: str) -> int | None:
    if not value:
        return None
    if value not in {str(score) for score in rules.SCORES}:
        raise FormError(f"{question_of(item)}: choose from 1 to 5")
    return int(value)
