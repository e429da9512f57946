"""The CloudEvents 1.0 envelope in structured JSON mode: what travels on every topic."""

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


class InvalidEnvelopeError(ValueError):
    """The bytes on the wire are not a CloudEvents 1.0 JSON envelope."""


class CloudEvent(BaseModel):
    # Extensions (correlationid, causationid, traceparent) are named attributes; anything else a
    # producer adds is kept, as CloudEvents allows unknown extensions.
    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    source: str = Field(min_length=1)
    # crm.<domain>.<name>.v<n>; the name may have dotted parts (crm.support.sla.breached.v1).
    type: str = Field(min_length=1, pattern=r"^crm\.[a-z_]+(\.[a-z_]+)+\.v\d+$")
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None

    def to_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json(cls, raw: bytes | str | None) -> "CloudEvent":
        if raw is None:
            raise InvalidEnvelopeError("empty message: no CloudEvent in it")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            raise InvalidEnvelopeError(_describe(error)) from error


def _describe(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
    ]
    return "invalid CloudEvent: " + "; ".join(problems)
