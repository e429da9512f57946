"""No personal data in logs: a logged exception shows where and what, never the values it
quotes (pydantic's ValidationError quotes its input; any handler's error may name someone)."""

import json
import logging

import pytest
from crm_shared.logging import JsonFormatter, describe_error, redacted_traceback
from pydantic import BaseModel, EmailStr, ValidationError
from sqlalchemy.exc import OperationalError

EMAIL = "ada.lovelace.7c2d@example"
PHONE = "+44 20 7946 0123"


class Person(BaseModel):
    email: EmailStr
    age: int


def invalid_person() -> ValidationError:
    try:
        Person.model_validate({"email": EMAIL, "age": PHONE})
    except ValidationError as error:
        return error
    raise AssertionError("the person should be invalid")


def record_of(error: BaseException, message: str = "handler failed") -> logging.LogRecord:
    try:
        raise error
    except BaseException as raised:
        exc_info = (type(raised), raised, raised.__traceback__)
    return logging.LogRecord("crm.test", logging.ERROR, __file__, 1, message, (), exc_info)


def test_a_validation_error_is_logged_without_its_input() -> None:
    error = invalid_person()
    assert EMAIL in str(error), "the test needs an error whose text quotes the input"

    line = JsonFormatter("customer").format(record_of(error))

    entry = json.loads(line)
    assert EMAIL not in line
    assert PHONE not in line
    assert "pydantic_core._pydantic_core.ValidationError" in entry["exception"]
    assert "email (value_error)" in entry["exception"]
    assert "age (int_parsing)" in entry["exception"]
    assert "test_privacy_logs.py" in entry["exception"]  # where it was raised is kept


def test_any_other_message_is_withheld_chained_ones_too() -> None:
    def handler() -> None:
        try:
            raise KeyError(EMAIL)
        except KeyError as missing:
            raise RuntimeError(f"no customer with phone {PHONE}") from missing

    with pytest.raises(RuntimeError) as raised:
        handler()
    text = redacted_traceback(raised.value)

    assert EMAIL not in text
    assert PHONE not in text
    assert "KeyError (message withheld" in text
    assert "RuntimeError (message withheld" in text
    assert "direct cause" in text
    assert "in handler" in text


def test_infrastructure_errors_keep_their_message() -> None:
    assert describe_error(ConnectionRefusedError("connection refused")) == (
        "ConnectionRefusedError: connection refused"
    )
    database_away = OperationalError("SELECT 1", {}, Exception("database is locked"))
    assert "database is locked" in describe_error(database_away)


def test_the_plain_text_formatter_is_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    from crm_shared.logging import configure_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("customer", as_json=False)
        formatter = root.handlers[0].formatter
        assert formatter is not None
        text = formatter.format(record_of(invalid_person()))
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert EMAIL not in text
    assert "validation error" in text
