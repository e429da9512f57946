"""Which failures the consumer retries instead of dead-lettering: a database or broker away,
a versioned row another transaction changed first, and PostgreSQL's "try again" answers (a
deadlock's victim, a serialization conflict)."""

import pytest
from crm_shared.bus.consumer import is_transient
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_deadlock_and_serialization_failures_are_retried(sqlstate: str) -> None:
    assert is_transient(DBAPIError("INSERT", {}, DriverError(sqlstate)))


def test_a_database_away_is_retried() -> None:
    assert is_transient(OperationalError("SELECT", {}, Exception("database is locked")))


@pytest.mark.parametrize("sqlstate", ["23505", "22P02"])
def test_other_database_errors_are_not(sqlstate: str) -> None:
    assert not is_transient(IntegrityError("INSERT", {}, DriverError(sqlstate)))
    assert not is_transient(ValueError("bad data"))


def test_a_row_changed_under_the_run_is_retried() -> None:
    assert is_transient(StaleDataError("UPDATE campaigns expected 1 row, matched 0"))
