"""crm_marketing.messages.links: every http(s) link of a message goes through the click
redirect, the rest of the message is left as it was, and the tokens read back."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from crm_marketing.messages.links import LinkTracking, tracked_html, tracked_text
from crm_shared.clock import FakeClock
from crm_shared.signed_links import UnknownLinkError

PIXEL = "https://crm.example/t/o/TOKEN"
UNSUBSCRIBE = "https://crm.example/u/abc?list=7&x=1"
PIXEL_TAG = (
    '<img src="https://crm.example/t/o/TOKEN" width="1" height="1" alt="" '
    'style="display:block;border:0;width:1px;height:1px">'
)


def click(url: str) -> str:
    return "https://crm.example/t/c?u=" + quote(url, safe="")


def tracked(body: str) -> str:
    return tracked_html(body, click, PIXEL, skip={UNSUBSCRIBE})


def test_a_link_goes_through_the_redirect_and_the_pixel_before_the_body_ends() -> None:
    body = (
        '<html><body><p>Hi <a href="https://shop.example/spring">our offers</a></p></body></html>'
    )
    assert tracked(body) == (
        '<html><body><p>Hi <a href="https://crm.example/t/c?u=https%3A%2F%2Fshop.example%2Fspring">'
        f"our offers</a></p>{PIXEL_TAG}</body></html>"
    )


@pytest.mark.parametrize(
    ("anchor", "expected"),
    [
        # attributes in any order, around the href
        (
            '<a class="btn" href="http://a.example/x" target="_blank">',
            f'<a class="btn" href="{click("http://a.example/x")}" target="_blank">',
        ),
        # single quotes, and no quotes at all
        ("<a href='https://a.example/'>", f'<a href="{click("https://a.example/")}">'),
        ("<a href=https://a.example/b>", f'<a href="{click("https://a.example/b")}">'),
        # upper case tag, attribute and scheme; spaces around "="
        (
            '<A HREF = "HTTPS://A.example/Q" Title="x">',
            f'<A HREF = "{click("HTTPS://A.example/Q")}" Title="x">',
        ),
        # an escaped query string: the redirect gets the real URL, and is escaped again
        (
            '<a href="https://a.example/p?x=1&amp;y=%20z#top">',
            '<a href="https://crm.example/t/c?u=https%3A%2F%2Fa.example%2Fp%3Fx%3D1%26y%3D%2520z%23top">',
        ),
        # an attribute whose value looks like an href, before the real one
        (
            '<a title="href=https://evil.example/" data-href="https://b.example/" href="https://a.example/">',
            '<a title="href=https://evil.example/" data-href="https://b.example/" '
            f'href="{click("https://a.example/")}">',
        ),
        # a self-closing anchor, and one spread over lines
        ('<a href="https://a.example/"/>', f'<a href="{click("https://a.example/")}"/>'),
        (
            '<a\n  id="x"\n  href="https://a.example/">',
            f'<a\n  id="x"\n  href="{click("https://a.example/")}">',
        ),
    ],
)
def test_every_form_of_an_anchor_is_tracked(anchor: str, expected: str) -> None:
    body = f"<body>\n<p>before</p>{anchor}text</a> after\n</body>"
    assert tracked(body) == f"<body>\n<p>before</p>{expected}text</a> after\n{PIXEL_TAG}</body>"


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="mailto:help@shop.example?subject=Hi">',
        '<a href="tel:+41441234567">',
        '<a href="#offers">',
        '<a href="/relative/path">',
        '<a name="top">',
        '<a href="">',
        '<a href="https://crm.example/u/abc?list=7&amp;x=1">',  # the unsubscribe link
        '<a href="ftp://files.example/">',
    ],
)
def test_other_links_and_the_unsubscribe_link_are_left_alone(anchor: str) -> None:
    body = f"<body>{anchor}x</a></body>"
    assert tracked(body) == f"<body>{anchor}x</a>{PIXEL_TAG}</body>"


def test_links_in_comments_scripts_and_text_are_left_alone() -> None:
    body = (
        '<!-- <a href="https://old.example/"> -->'
        "<script>document.write('<a href=\"https://js.example/\">')</script>"
        "<p>Visit https://text.example/ &amp; more</p>"
        '<link rel="stylesheet" href="https://css.example/s.css">'
        '<a href="https://a.example/?q=&lt;b&gt;">é</a>'
    )
    expected = body.replace(
        '<a href="https://a.example/?q=&lt;b&gt;">',
        f'<a href="{click("https://a.example/?q=<b>")}">',
    )
    assert tracked(body) == expected + PIXEL_TAG  # no </body>: the pixel ends the message


def test_windows_line_ends_and_broken_markup_keep_their_place() -> None:
    body = '<body>\r\n<p>\r\n<a\r\nhref="https://a.example/">x</a>\r\n<a href="https://b.example/'
    assert tracked(body) == (
        f'<body>\r\n<p>\r\n<a\r\nhref="{click("https://a.example/")}">x</a>\r\n'
        f'<a href="https://b.example/{PIXEL_TAG}'  # an unfinished tag is no link: left alone
    )


def test_the_pixel_goes_before_the_last_body_end_in_any_case() -> None:
    body = "<html><BODY><p>x</p><pre>&lt;/body&gt;</pre></Body ></html>"
    assert tracked_html(body, click, PIXEL) == (
        f"<html><BODY><p>x</p><pre>&lt;/body&gt;</pre>{PIXEL_TAG}</Body ></html>"
    )
    assert 'src="https://crm.example/o?a=1&amp;b=2"' in tracked_html(
        "<p>x</p>", click, "https://crm.example/o?a=1&b=2"
    )


def test_a_text_body_tracks_its_bare_urls() -> None:
    text = (
        "Hi Ada,\n"
        "see https://shop.example/spring?x=1&y=2. Or (https://shop.example/a), "
        "https://en.example.org/wiki/Foo_(bar) and HTTP://UP.example/!\n"
        "Mail help@shop.example or ftp://files.example/, www.shop.example stays.\n"
        f"Unsubscribe: {UNSUBSCRIBE}\n"
    )
    assert tracked_text(text, click, {UNSUBSCRIBE}) == (
        "Hi Ada,\n"
        f"see {click('https://shop.example/spring?x=1&y=2')}. "
        f"Or ({click('https://shop.example/a')}), "
        f"{click('https://en.example.org/wiki/Foo_(bar)')} and {click('HTTP://UP.example/')}!\n"
        "Mail help@shop.example or ftp://files.example/, www.shop.example stays.\n"
        f"Unsubscribe: {UNSUBSCRIBE}\n"
    )


def test_the_click_and_open_tokens_read_back_and_never_expire() -> None:
    clock = FakeClock()
    tracking = LinkTracking("the marketing key")
    url = "https://shop.example/p?x=1&y=2"
    click_token = tracking.click_token("message-1", url, clock.now())
    open_token = tracking.open_token("message-1", clock.now())
    clock.advance(timedelta(days=400))
    clicked = tracking.click_of(click_token, clock.now())
    assert (clicked.message_id, clicked.url) == ("message-1", url)
    assert tracking.opened_message(open_token, clock.now()) == "message-1"
    for wrong in (
        lambda: tracking.click_of(open_token, clock.now()),  # another salt
        lambda: tracking.opened_message(click_token, clock.now()),
        lambda: LinkTracking("another key").click_of(click_token, clock.now()),
        lambda: tracking.click_of(click_token[:-1], clock.now()),
    ):
        with pytest.raises(UnknownLinkError):
            wrong()
