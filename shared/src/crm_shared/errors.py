"""Domain errors: plain exceptions that services raise and know nothing of HTTP or Kafka.

The HTTP edge maps each to an RFC 9457 problem (``crm_shared.api.problems``); a consumer
dead-letters an event whose handler raises one (it will never apply, retrying is pointless).
``code`` becomes the problem's type (``…/problems/<code>``); ``details`` its extension members.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400  # the HTTP status the edge answers with
    default_code: ClassVar[str] = "bad-request"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details


class NotFoundError(DomainError):
    status = 404
    default_code = "not-found"

    @classmethod
    def of(cls, what: str, id_: object) -> "NotFoundError":
        return cls(f"{what} {id_} does not exist")


class ConflictError(DomainError):
    """The request contradicts the record's current state (a duplicate, a merged record)."""

    status = 409
    default_code = "conflict"


class InvalidError(DomainError):
    """Input that is well-formed but breaks a business rule; ``location`` names the field."""

    status = 422
    default_code = "validation-error"

    def __init__(
        self, message: str, *, location: str | None = None, code: str | None = None, **details: Any
    ) -> None:
        if location is not None:
            details.setdefault(
                "errors", [{"location": location, "message": message, "type": "value_error"}]
            )
            message = f"the request is not valid: {location}: {message}"
        super().__init__(message, code=code, **details)
        self.location = location


class UnknownReferenceError(InvalidError):
    """The body names another record (an owner, a team) that does not exist or cannot be
    used: a rule JSON Schema cannot state, so it has a problem type of its own."""

    default_code = "unknown-reference"


class PreconditionFailedError(DomainError):
    """The caller acted on a version that is no longer current."""

    status = 412
    default_code = "stale-version"


class PreconditionRequiredError(DomainError):
    status = 428
    default_code = "precondition-required"


class TooLargeError(DomainError):
    status = 413
    default_code = "too-large"
