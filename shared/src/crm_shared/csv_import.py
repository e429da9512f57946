"""Reading a CSV import file: UTF-8 CSV text, a header, then one record per row.

Every CSV import of the platform reads its file here (the customer master's customers,
sales' order history), each with its :class:`CsvLayout`: the columns a file may name and
those it must. The file is refused whole (``InvalidError``, code ``invalid-csv``: 422,
nothing imported) when its rows cannot be told apart or read as written:

- bytes that are not UTF-8;
- a header that is missing, lacks a required column (the layout's), names an unknown column
  or one column twice, or has a control character in a name;
- a quote that is never closed, or text after a closing quote (``"Ann"x``): the csv module
  reads strictly, instead of guessing where the cell ends;
- a cell longer than the layout's limit (``import_max_cell_chars`` and the like: at most the
  csv module's own field limit, so that a cell never reaches that limit unnoticed and becomes
  a 500).

Every reason names the line (the header is line 1; a row's line is where it starts) and the
column, as the problem's ``detail`` and as its ``errors`` member, in the shape of the row
errors of the import's summary: ``[{"line": 3, "errors": ["name: ..."]}]``.

A control character in a cell is the row's fault, not the file's: the row is refused and
reported with the other row errors, and the good rows are imported. The rule is the one of
every text field of every API (:mod:`crm_shared.text`): NUL, the rest of C0, DEL and C1 are
refused, quoted or not; TAB, LF and CR are accepted. LF and CR can only be in a quoted cell
(unquoted, they end the row): a multi-line note or address, as spreadsheets write them. TAB
is the delimiter of a tab-separated file, and ordinary text elsewhere, as in a JSON field:
what the export writes must import back. Cells are checked before they are trimmed, so a
control character cannot hide at a cell's edge, nor make a row look blank.
"""

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from crm_shared.errors import InvalidError
from crm_shared.text import control_character_at, describe_control_character

QUOTE = '"'
# Bytes that are not UTF-8, as decoding with errors="surrogateescape" leaves them: a valid
# UTF-8 text never holds these (lone surrogates), so each one is an undecodable byte.
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class CsvLayout:
    """What a file's header may and must name."""

    columns: Collection[str]  # every column a file may name
    # Each entry: the header must name one of these columns (``("name",)``: that one).
    required: Sequence[tuple[str, ...]]
    # The setting that bounds a cell, named in the reason a long cell is refused.
    cell_limit_setting: str = "import_max_cell_chars"

    def unknown(self, header: Sequence[str]) -> list[str]:
        return [column for column in header if column not in self.columns]

    def missing(self, header: Sequence[str]) -> list[str]:
        """The requirements the header does not meet (alternatives joined by "or")."""
        return [
            " or ".join(choices)
            for choices in self.required
            if not any(column in header for column in choices)
        ]


@dataclass(frozen=True)
class CsvRow:
    line: int  # where the row starts; the header is line 1
    cells: dict[str, str]
    refusals: tuple[str, ...]  # why the row is refused before it is read further (if it is)


def file_error(line: int, reason: str, column: str | None = None) -> InvalidError:
    message = f"{column}: {reason}" if column else reason
    return InvalidError(
        f"line {line}: {message}",
        code="invalid-csv",
        errors=[{"line": line, "errors": [message]}],
    )


def read_rows(content: bytes, max_cell_chars: int, layout: CsvLayout) -> list[CsvRow]:
    """Every non-blank row after the header; raises ``InvalidError`` for a malformed file."""
    text = content.decode("utf-8-sig", errors="surrogateescape")  # a BOM, as spreadsheets do
    reader = _Reader(text, max_cell_chars, layout)
    header = reader.header()
    undecoded = _UNDECODED.search(text) is not None
    controls = control_character_at(text) is not None
    long_cells = len(text) > max_cell_chars
    rows = []
    while (record := reader.next()) is not None:
        line, cells = record
        if undecoded:
            reader.ensure_decoded(line, cells)
        if long_cells:
            reader.ensure_short(line, cells)
        refusals = reader.control_characters(cells) if controls else []
        if len(cells) > len(header):
            refusals.insert(0, "the row has more cells than the header has columns")
        if refusals or any(cell.strip() for cell in cells):
            rows.append(CsvRow(line, dict(zip(header, cells, strict=False)), tuple(refusals)))
    return rows


class _Reader:
    """The csv module's reader, strict, with the line each record starts on, and the file's
    rules for the cells it reads."""

    def __init__(self, text: str, max_cell_chars: int, layout: CsvLayout) -> None:
        self.text, self.max_cell_chars, self.layout = text, max_cell_chars, layout
        self.delimiter = _delimiter(text)
        lines = io.StringIO(text, newline="")
        self.reader = csv.reader(lines, csv.excel, delimiter=self.delimiter, strict=True)
        self.columns: list[str] = []
        self.end = 0  # the line the last record ended on

    def header(self) -> list[str]:
        """The header's column names, checked: known, each once, the required ones there."""
        record = self.next()
        cells = record[1] if record is not None else []
        self.ensure_decoded(1, cells)
        self.ensure_short(1, cells)
        for position, cell in enumerate(cells, 1):
            if (index := control_character_at(cell)) is not None:
                hint = " (is the file UTF-16? save it as UTF-8)" if cell[index] == "\0" else ""
                character = describe_control_character(cell, index)
                reason = f"control characters are not accepted in a column name ({character})"
                raise file_error(1, reason + hint, f"column {position}")
        columns = [cell.strip() for cell in cells]
        if missing := self.layout.missing(columns):
            required = ", ".join(" or ".join(choices) for choices in self.layout.required)
            raise file_error(
                1,
                "the first line must be a header naming the columns, including "
                f"{required} (missing: {', '.join(missing)})",
            )
        if unknown := self.layout.unknown(columns):
            raise file_error(1, f"unknown columns: {', '.join(map(repr, unknown))}")
        first: dict[str, int] = {}
        for position, column in enumerate(columns, 1):
            if column in first:
                reason = f"the column is named twice (columns {first[column]} and {position})"
                raise file_error(1, reason, column)
            first[column] = position
        self.columns = columns
        return columns

    def next(self) -> tuple[int, list[str]] | None:
        """The next record (blank ones too) and the line it starts on; None at the end."""
        try:
            cells = next(self.reader, None)
        except csv.Error as error:
            raise self._malformed(error) from error
        if cells is None:
            return None
        start, self.end = self.end + 1, self.reader.line_num
        return start, cells

    def column(self, index: int) -> str:
        return self.columns[index] if index < len(self.columns) else f"column {index + 1}"

    def ensure_decoded(self, line: int, cells: Sequence[str]) -> None:
        for index, cell in enumerate(cells):
            if (match := _UNDECODED.search(cell)) is not None:
                byte = ord(match.group()) - 0xDC00
                reason = (
                    f"the file is not UTF-8 text: byte 0x{byte:02X} at character "
                    f"{match.start() + 1} of the cell cannot be read (save the file as UTF-8)"
                )
                raise file_error(line, reason, self.column(index))

    def ensure_short(self, line: int, cells: Sequence[str]) -> None:
        if max(map(len, cells), default=0) <= self.max_cell_chars:
            return
        for index, cell in enumerate(cells):
            if len(cell) > self.max_cell_chars:
                reason = f"the cell has {len(cell)} characters, more than {self._limit()}"
                raise file_error(line, reason, self.column(index))

    def control_characters(self, cells: Sequence[str]) -> list[str]:
        return [
            f"{self.column(index)}: control characters are not accepted "
            f"({describe_control_character(cell, at)})"
            for index, cell in enumerate(cells)
            if (at := control_character_at(cell)) is not None
        ]

    def _limit(self) -> str:
        return f"the {self.max_cell_chars} allowed ({self.layout.cell_limit_setting})"

    def _malformed(self, error: csv.Error) -> InvalidError:
        """What the csv module refused, found again in the text: which cell, and why."""
        start = self.end + 1
        before = io.StringIO(self.text, newline="").readlines()[: start - 1]
        offset = sum(map(len, before))
        fault = _fault(self.text, offset, self.delimiter, self.max_cell_chars)
        if fault is None:  # not one of the faults _fault knows: the csv module's own words
            return file_error(start, f"the file is not valid CSV: {error}")
        index, reason = fault
        if reason == "long":
            reason = f"the cell has more than {self._limit()}"
        return file_error(start, reason, self.column(index))


UNCLOSED = (
    "the quote that opens this cell is never closed (inside a quoted cell, write a quote "
    'as two: "")'
)
AFTER_QUOTE = (
    "text follows the quote that closes this cell (quote the whole cell, and write a quote "
    'inside it as two: "")'
)
# A quoted cell, up to its closing quote (a quote inside it is doubled).
_QUOTED = re.compile('"[^"]*+(?:""[^"]*+)*+"')  # possessive: no backtracking


def _fault(text: str, position: int, delimiter: str, max_chars: int) -> tuple[int, str] | None:
    """The cell (its index) and the reason the csv module refused the record that starts at
    ``position`` in ``text``: ``"long"`` (longer than ``max_chars``, at most the module's
    limit), ``UNCLOSED`` or ``AFTER_QUOTE``; the first of them in the file. None if none."""
    plain = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    cell, too_long = 0, None
    while True:
        if text.startswith(QUOTE, position):
            if (quoted := _QUOTED.match(text, position)) is None:
                return (too_long, "long") if too_long is not None else (cell, UNCLOSED)
            position = quoted.end()
            inside = quoted.group()[1:-1]
            length = len(inside) - inside.count('""')
            if position < len(text) and text[position] not in (delimiter, "\r", "\n"):
                return (too_long, "long") if too_long is not None else (cell, AFTER_QUOTE)
        else:
            unquoted = plain.match(text, position)
            assert unquoted is not None  # the pattern matches the empty string too
            position, length = unquoted.end(), unquoted.end() - position
        if length > max_chars and too_long is None:
            too_long = cell
        if position >= len(text) or text[position] != delimiter:
            return None if too_long is None else (too_long, "long")
        position, cell = position + 1, cell + 1


def _delimiter(text: str) -> str:
    """Comma, or the semicolon / tab a spreadsheet wrote, whichever the header uses most."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=header.count)
