"""Click and open tracking: a message's links go through the service's click redirect, and
its HTML body carries a 1x1 pixel the reader's mail client loads when it shows the message.

The click and open tokens are signed links (``crm_shared.signed_links``): the redirect sends
a reader only to a URL the service signed for that message, so it is no open redirect. They
never expire: a newsletter is read months later.

Rewriting works on the rendered body of each message (each recipient's links differ), with
the standard library's HTML parser to find the ``<a>`` start tags, not a regular expression
over the whole document: a link inside a comment, a script or another attribute's value is
left as it is, and the rest of the document is not touched byte for byte."""

import html
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from crm_shared.signed_links import LinkSigner, UnknownLinkError

CLICK_SALT = "crm-marketing-click"
OPEN_SALT = "crm-marketing-open"

_TRACKED_SCHEMES = ("http://", "https://")
# One attribute of a start tag, as the HTML parser reads them: a name, then maybe a value.
_ATTRIBUTE = re.compile(r"""(?P<name>[^\s/>"'=]+)(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s>]*))?""")
# A bare URL in a text body; a sentence's closing punctuation is not part of it.
_TEXT_URL = re.compile(r"""https?://[^\s<>"']+""", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Click:
    message_id: str
    url: str


class LinkTracking:
    """The tokens of a message's click redirects and open pixel."""

    def __init__(self, key: str) -> None:
        self._clicks = LinkSigner(key, CLICK_SALT)
        self._opens = LinkSigner(key, OPEN_SALT)

    def click_token(self, message_id: str, url: str, now: datetime) -> str:
        return self._clicks.sign([message_id, url], now)

    def click_of(self, token: str, now: datetime) -> Click:
        """The message and URL of a click token, or UnknownLinkError."""
        payload = self._clicks.load(token, now, None)
        match payload:
            case [str(message_id), str(url)] if url.lower().startswith(_TRACKED_SCHEMES):
                return Click(message_id, url)
        raise UnknownLinkError()

    def open_token(self, message_id: str, now: datetime) -> str:
        return self._opens.sign(message_id, now)

    def opened_message(self, token: str, now: datetime) -> str:
        """The message an open pixel's token was made for, or UnknownLinkError."""
        message_id = self._opens.load(token, now, None)
        if not isinstance(message_id, str):
            raise UnknownLinkError()
        return message_id


def _tracked(url: str, skip: Collection[str]) -> bool:
    return url.lower().startswith(_TRACKED_SCHEMES) and url not in skip


class _AnchorFinder(HTMLParser):
    """The offsets and raw text of every ``<a>`` start tag of a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[tuple[int, int], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append((self.getpos(), self.get_starttag_text() or ""))


def tracked_html(
    body: str,
    click_url: Callable[[str], str],
    pixel_url: str,
    skip: Collection[str] = (),
) -> str:
    """``body`` with each ``<a href>`` to an http(s) URL, except those in ``skip`` (the
    unsubscribe link), pointing to ``click_url(url)``, and the open pixel before
    ``</body>`` (or at the end)."""
    finder = _AnchorFinder()
    finder.feed(body)
    finder.close()
    line_starts = [0, *(match.end() for match in re.finditer(r"\n", body))]
    parts: list[str] = []
    copied = 0
    for (line, column), tag in finder.anchors:
        start = line_starts[line - 1] + column
        if body[start : start + len(tag)] != tag:  # never expected: then leave the link be
            continue
        parts += [body[copied:start], _tracked_tag(tag, click_url, skip)]
        copied = start + len(tag)
    parts.append(body[copied:])
    return _with_pixel("".join(parts), pixel_url)


def _tracked_tag(tag: str, click_url: Callable[[str], str], skip: Collection[str]) -> str:
    """The ``<a ...>`` start tag with its href sent through the click redirect."""
    name_end = re.match(r"<[^\s/>]+", tag)
    position = name_end.end() if name_end else 0
    while match := _ATTRIBUTE.search(tag, position):
        position = max(match.end(), position + 1)
        value = match.group("value")
        if match.group("name").lower() != "href" or value is None:
            continue
        quoted = value[:1] in ("'", '"')
        url = html.unescape(value[1:-1] if quoted else value).strip()
        if not _tracked(url, skip):
            return tag
        replacement = f'"{html.escape(click_url(url), quote=True)}"'
        return tag[: match.start("value")] + replacement + tag[match.end("value") :]
    return tag


def _with_pixel(body: str, pixel_url: str) -> str:
    pixel = (
        f'<img src="{html.escape(pixel_url, quote=True)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )
    ends = list(_BODY_END.finditer(body))
    if not ends:
        return body + pixel
    at = ends[-1].start()
    return body[:at] + pixel + body[at:]


def tracked_text(text: str, click_url: Callable[[str], str], skip: Collection[str] = ()) -> str:
    """``text`` with each bare http(s) URL, except those in ``skip``, replaced by
    ``click_url(url)``."""

    def replaced(match: re.Match[str]) -> str:
        url, trailing = _without_trailing(match.group())
        return (click_url(url) if _tracked(url, skip) else url) + trailing

    return _TEXT_URL.sub(replaced, text)


def _without_trailing(candidate: str) -> tuple[str, str]:
    """The URL and the punctuation after it: ``(see https://x.org/a).`` ends the URL at
    ``a``, but a closing parenthesis the URL opened stays (``.../Foo_(bar)``)."""
    url = candidate
    while url and url[-1] in _TRAILING:
        closing = url[-1]
        opening = {")": "(", "]": "[", "}": "{"}.get(closing)
        if opening is not None and url.count(opening) >= url.count(closing):
            break
        url = url[:-1]
    return url, candidate[len(url) :]
