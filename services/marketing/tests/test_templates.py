"""crm_marketing.messages.templates: an author's template is checked when saved, and renders
for every recipient, however incomplete the recipient's data."""

import pytest
from crm_marketing.messages.templates import (
    TemplateInvalidError,
    TemplateRenderError,
    check,
    compiled,
    render,
)

ADA = {"first_name": "Ada", "last_name": "Lovelace", "company": {"name": "Analytical & Co"}}


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ('Hi {{ first_name | default("friend") }}!', ADA, "Hi Ada!"),
        ('Hi {{ first_name | default("friend") }}!', {}, "Hi friend!"),
        ('Hi {{ first_name or "friend" }}!', {}, "Hi friend!"),
        ('Hi {{ first_name or "friend" }}!', {"first_name": ""}, "Hi friend!"),
        # a null is a missing value: the author's default applies, never "None"
        ('Hi {{ first_name | default("friend") }}!', {"first_name": None}, "Hi friend!"),
        ("Hi {{ first_name }}{{ company.name }}!", {"first_name": None, "company": None}, "Hi !"),
        # a missing field, an attribute of one, or anything done with one: empty text
        ("[{{ nickname }}]", ADA, "[]"),
        ("[{{ company.city.name }}|{{ orders[0].total }}]", ADA, "[|]"),
        ("[{{ points + 10 }}|{{ points * 2 }}|{{ greet() }}|{{ points | int }}]", {}, "[|||0]"),
        ("[{% if points > 100 %}gold{% else %}{{ points | length }}{% endif %}]", {}, "[0]"),
        ("[{% for order in orders %}{{ order }}{% endfor %}]", {}, "[]"),
        (
            "{{ company.name | upper }}, {{ orders | join(', ') }}",
            {**ADA, "orders": ["A-1", "A-2"]},
            "ANALYTICAL & CO, A-1, A-2",
        ),
    ],
)
def test_a_template_renders_whatever_is_missing(
    source: str, context: dict[str, object], expected: str
) -> None:
    assert render(source, context, html=False) == expected


def test_html_bodies_escape_the_values_and_text_bodies_do_not() -> None:
    source = "<p>Dear {{ name }}, {{ company.name }}</p>"
    person = {"name": '<script>alert("x")</script>', "company": {"name": "A & B"}}
    assert render(source, person, html=True) == (
        "<p>Dear &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;, A &amp; B</p>"
    )
    assert render(source, person, html=False) == ('<p>Dear <script>alert("x")</script>, A & B</p>')
    assert render('{{ name | default("<you>") }}', {}, html=True) == "&lt;you&gt;"


def test_a_template_is_compiled_once_for_all_its_recipients() -> None:
    compiled.cache_clear()
    source = "Hi {{ first_name }} ({{ n }})"
    for n in range(1000):
        assert render(source, {"first_name": "Ada", "n": n}, html=False) == f"Hi Ada ({n})"
    render(source, {}, html=True)  # another environment: escaped, compiled apart
    assert compiled.cache_info().misses == 2
    assert compiled.cache_info().hits == 999


@pytest.mark.parametrize(
    ("source", "line", "says"),
    [
        ("Hello\n{% if first_name %}\nHi", 2, "end of template"),
        ("Hello {{ first_name", 1, "end of template"),
        ("Hello\n\n{{ first_name | shout }}", 3, "No filter named 'shout'"),
        ("{% if first_name is shouting %}x{% endif %}", 1, "there is no test 'shouting'"),
        ("{% if vip %}\n{{ first_name | shout }}{% endif %}", 2, "there is no filter 'shout'"),
        ("Hello\n{{ first_name.__class__ }}", 2, "'__class__' cannot be used"),
        ("{{ company['_sa_instance_state'] }}", 1, "'_sa_instance_state' cannot be used"),
        ("{{ f.func_code }}\n{{ g.gi_frame }}", 2, "'gi_frame' cannot be used"),
        ('{% include "header.html" %}', 1, "cannot use another"),
        ('{% extends "base.html" %}', 1, "cannot use another"),
        ('{% from "macros" import button %}', 1, "cannot use another"),
    ],
)
def test_check_names_the_field_and_the_line(source: str, line: int, says: str) -> None:
    with pytest.raises(TemplateInvalidError) as raised:
        check(source, field="html_body")
    error = raised.value
    assert (error.status, error.code, error.location) == (422, "template-invalid", "html_body")
    assert error.details["line"] == line
    assert f"html_body: line {line}: " in error.message
    assert says in error.message


def test_check_accepts_a_good_template() -> None:
    check(
        '{% set name = first_name | default("friend") %}Hi {{ name | title }}\n'
        "{% for order in orders[:3] %}{{ loop.index }}. {{ order.number }}{% endfor %}"
        "{% if points >= 100 %}Gold{% endif %}{{ '%.2f' | format(total or 0) }}",
        field="text_body",
    )


def test_what_the_sandbox_refuses_at_render_time_skips_the_message_or_renders_empty() -> None:
    # Reading an unsafe attribute (here a name only the data knows) renders as a missing value.
    assert render("[{{ x[key] }}]", {"x": "text", "key": "__class__"}, html=False) == "[]"
    assert render("[{{ orders.append(1) }}]", {"orders": [1]}, html=False) == "[]"  # immutable
    # Calling something unsafe, or a template that fails on this recipient's data, is a skip.
    for source, context in (
        ("{{ range(1000000) | list }}", {}),
        ('{{ "x" * 100000000 }}', {}),
        ("{{ 10 ** 100000000 }}", {}),
        ("{{ total / count }}", {"total": 10, "count": 0}),
        ("{{ total + name }}", {"total": 10, "name": "Ada"}),
    ):
        with pytest.raises(TemplateRenderError) as raised:
            render(source, context, html=True)
        assert (raised.value.status, raised.value.code) == (422, "template-unrenderable")
