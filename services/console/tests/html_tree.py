"""A page's HTML as a small tree (the standard library's parser: the tests need no HTML
package), and the finding the console's tests do: by tag, by attribute, by class."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Element | str"] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: "Element | str") -> None:
            if isinstance(node, str):
                parts.append(node)
            else:
                for child in node.children:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def walk(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def find_all(
        self, tag: str | None = None, *, cls: str | None = None, **attrs: str | bool
    ) -> list["Element"]:
        """Elements of ``tag`` with the class ``cls`` and ``attrs`` (``True``: present;
        a name's ``_`` is a ``-``)."""

        def matches(element: Element) -> bool:
            if tag is not None and element.tag != tag:
                return False
            if cls is not None and cls not in element.classes:
                return False
            for name, wanted in attrs.items():
                value = element.attrs.get(name.replace("_", "-"))
                if value is None or (wanted is not True and value != wanted):
                    return False
            return True

        return [element for element in self.walk() if matches(element)]

    def find(
        self, tag: str | None = None, *, cls: str | None = None, **attrs: str | bool
    ) -> "Element":
        found = self.find_all(tag, cls=cls, **attrs)
        assert found, f"no <{tag or '*'}> class={cls} {attrs}"
        return found[0]

    def where(self, test: Callable[["Element"], bool]) -> list["Element"]:
        return [element for element in self.walk() if test(element)]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
