"""Writing CSV as the platform's downloads do: RFC 4180 lines (CRLF, quoted where needed),
UTF-8, sent as ``text/csv; charset=utf-8``. The customer export streams its lines; a report
writes its rows in one go."""

import csv
import io
from collections.abc import Iterable, Sequence

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_line(cells: Sequence[str]) -> str:
    """One row as a CSV line, its line end included."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A whole file: the header line, then a line per row."""
    return "".join([csv_line(header), *(csv_line(row) for row in rows)])
