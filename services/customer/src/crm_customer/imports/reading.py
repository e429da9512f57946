"""Reading a customer import file: the platform's CSV reading (:mod:`crm_shared.csv_import`:
UTF-8, a strict reader, a malformed file refused whole with its line and column, a control
character refusing its row only) with the customer layout: the columns of the export, and
``name`` required."""

from crm_shared.csv_import import CsvLayout, CsvRow, file_error
from crm_shared.csv_import import read_rows as read_csv_rows

from crm_customer.imports.columns import EXPORT_COLUMNS

__all__ = ["LAYOUT", "CsvRow", "file_error", "read_rows"]

LAYOUT = CsvLayout(columns=frozenset(EXPORT_COLUMNS), required=(("name",),))


def read_rows(content: bytes, max_cell_chars: int) -> list[CsvRow]:
    """Every non-blank row after the header; raises ``InvalidError`` for a malformed file."""
    return read_csv_rows(content, max_cell_chars, LAYOUT)
