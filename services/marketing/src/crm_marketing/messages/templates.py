"""Personalisation: a campaign's subject and bodies are Jinja2 templates, run in its sandbox.

An author's template is checked when it is saved (``check``), and rendered once per
recipient (``render``) from a compiled template kept per source: a campaign renders each of
its templates for every one of its (up to hundreds of thousands of) recipients.

A recipient's data is never complete: a missing field, an attribute of one or a null renders
as empty text (``{{ first_name | default("friend") }}`` and ``{{ first_name or "friend" }}``
give the author's default), even under arithmetic or a call. What the sandbox refuses at
render time splits in two: reading an unsafe attribute renders as empty text, like a missing
value; calling something unsafe, or any other error of the template on this recipient's data
(``1 / 0``, ``"a" + 1``), raises ``TemplateRenderError``, which a send counts as a skipped
message instead of crashing."""

import operator
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from crm_shared.errors import DomainError, InvalidError
from jinja2 import ChainableUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
    ImmutableSandboxedEnvironment,
    SecurityError,
)

# A template could otherwise build a string or a number large enough to stall a send.
MAX_REPEATED_LENGTH = 100_000
MAX_EXPONENT = 1_000
_UNSAFE_ATTRIBUTES = frozenset(
    UNSAFE_FUNCTION_ATTRIBUTES
    | UNSAFE_METHOD_ATTRIBUTES
    | UNSAFE_GENERATOR_ATTRIBUTES
    | UNSAFE_COROUTINE_ATTRIBUTES
    | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
)
# There is no template loader: a template stands alone.
_NO_LOADER = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


class TemplateInvalidError(InvalidError):
    default_code = "template-invalid"

    def __init__(self, field: str, line: int | None, message: str) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}", location=field, line=line)


class TemplateRenderError(DomainError):
    """The template cannot be rendered for this recipient: the send skips the message."""

    status = 422
    default_code = "template-unrenderable"


class _Blank(ChainableUndefined):
    """A missing value: empty text, whatever the template does with it."""

    __slots__ = ()

    def _blank(self, *args: Any, **kwargs: Any) -> "_Blank":
        return self

    def _false(self, other: Any) -> bool:
        return False

    # Jinja types these as never returning (they raise): here they do return.
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _blank  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _blank  # type: ignore[assignment]
    __mod__ = __rmod__ = __pos__ = __neg__ = __pow__ = __rpow__ = _blank  # type: ignore[assignment]
    __call__ = _blank  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = _false  # type: ignore[assignment]

    def __int__(self) -> int:  # type: ignore[override]
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        return 0.0


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent above {MAX_EXPONENT} is not allowed")
            return operator.pow(left, right)
        for sequence, times in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(times, int)
                and len(sequence) * times > MAX_REPEATED_LENGTH
            ):
                raise SecurityError(f"a repetition longer than {MAX_REPEATED_LENGTH} is refused")
        return operator.mul(left, right)


def _environment(html: bool) -> _Environment:
    return _Environment(
        autoescape=html,
        undefined=_Blank,
        finalize=lambda value: "" if value is None else value,
        keep_trailing_newline=True,
    )


_ENVIRONMENTS = {True: _environment(html=True), False: _environment(html=False)}


def check(source: str, *, field: str) -> None:
    """TemplateInvalidError (naming ``field`` and the line) if ``source`` does not compile,
    or uses what the sandbox would refuse: a private or internal attribute, another
    template."""
    environment = _ENVIRONMENTS[False]
    try:
        tree = environment.parse(source)
        environment.compile(tree)  # finds unknown filters and tests outside an {% if %}
    except TemplateSyntaxError as error:
        raise TemplateInvalidError(field, error.lineno, error.message or "syntax error") from error
    for line, message in _refusals(tree, environment):
        raise TemplateInvalidError(field, line, message)


def _refusals(tree: nodes.Template, environment: _Environment) -> Iterator[tuple[int, str]]:
    """The line and reason of each use of what this template may not use."""
    # Jinja finds an unknown filter or test inside an {% if %} only when it runs there.
    for used in tree.find_all((nodes.Filter, nodes.Test)):
        kind, known = (
            ("filter", environment.filters)
            if isinstance(used, nodes.Filter)
            else ("test", environment.tests)
        )
        if used.name not in known:
            yield used.lineno, f"there is no {kind} {used.name!r}"
    for other in tree.find_all(_NO_LOADER):
        yield other.lineno, "a template cannot use another one"
    for access in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = access.attr if isinstance(access, nodes.Getattr) else _constant(access)
        if name is not None and (name.startswith("_") or name in _UNSAFE_ATTRIBUTES):
            yield access.lineno, f"{name!r} cannot be used"


def _constant(item: nodes.Node) -> str | None:
    """The key of ``x["key"]`` when it is written as a string."""
    key = item.arg if isinstance(item, nodes.Getitem) else None
    return key.value if isinstance(key, nodes.Const) and isinstance(key.value, str) else None


@lru_cache(maxsize=256)
def compiled(source: str, html: bool) -> Template:
    """The template of ``source``, compiled once for all the messages that use it."""
    try:
        return _ENVIRONMENTS[html].from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateInvalidError("template", error.lineno, error.message or "") from error


def render(source: str, context: Mapping[str, Any], *, html: bool) -> str:
    """``source`` for one recipient; values are escaped in an HTML body, not in a text one."""
    try:
        return compiled(source, html).render(_without_nulls(context))
    except (SecurityError, TemplateError, ArithmeticError, TypeError, ValueError) as error:
        raise TemplateRenderError(f"the template cannot be rendered: {error}") from error


def _without_nulls(value: Any) -> Any:
    """A null field is a missing one, so that the author's default applies to it."""
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
