"""Every child's output, line by line, behind a coloured and aligned ``name | `` prefix."""

import asyncio
import os
import sys
from collections.abc import Iterable
from typing import TextIO

# ANSI foreground colours, handed out to names in order: cyan, magenta, yellow, green, blue, red.
_COLOURS = ("36", "35", "33", "32", "34", "31")
_BOLD = "1"
LAUNCHER = "crm"


def _wants_colour(stream: TextIO) -> bool:
    # https://no-color.org and the common FORCE_COLOR convention, else only on a terminal.
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


class PrefixedPrinter:
    """Prints ``customer  | text`` lines; the launcher's own lines carry the ``crm`` prefix."""

    def __init__(
        self, names: Iterable[str], stream: TextIO | None = None, colour: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.colour = _wants_colour(self.stream) if colour is None else colour
        all_names = [LAUNCHER, *names]
        self.width = max(len(name) for name in all_names)
        self._colours = {name: _COLOURS[i % len(_COLOURS)] for i, name in enumerate(names)}
        self._colours[LAUNCHER] = _BOLD

    def line(self, name: str, text: str) -> None:
        prefix = f"{name:<{self.width}} | "
        if self.colour:
            prefix = f"\x1b[{self._colours.get(name, _BOLD)}m{prefix}\x1b[0m"
        # Flushed at once: output must interleave in real time, also when piped to a file.
        print(prefix + text, file=self.stream, flush=True)

    def say(self, text: str) -> None:
        """A message from the launcher itself."""
        for text_line in text.splitlines() or [""]:
            self.line(LAUNCHER, text_line)


async def pump_lines(name: str, reader: asyncio.StreamReader, printer: PrefixedPrinter) -> None:
    """Copy ``reader`` to ``printer`` line by line until the child closes its end."""
    while True:
        try:
            raw = await reader.readline()
        except ValueError:  # one line longer than the reader's limit; asyncio dropped it
            printer.line(name, "[an over-long output line was dropped]")
            continue
        if not raw:
            return
        printer.line(name, raw.decode(errors="replace").rstrip("\r\n"))
