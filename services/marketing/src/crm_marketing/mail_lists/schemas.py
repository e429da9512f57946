"""The mail list's answer: its columns in CSV, its items in JSON."""

from enum import StrEnum

from pydantic import BaseModel, Field


class MailListFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


class LetterOut(BaseModel):
    """One addressee and the text printed for them."""

    customer_id: str
    step: int = Field(description="The campaign's step the letter belongs to")
    name: str
    street: str
    postal_code: str
    city: str | None
    region: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    text: str = Field(description="The letter's text, personalised (plain text)")


class MailListOut(BaseModel):
    campaign_id: str
    items: list[LetterOut] = Field(description="Every letter written so far, in step order")


# The CSV's columns, in order: the print shop's mail merge reads them by name.
CSV_COLUMNS = ("name", "street", "postal_code", "city", "region", "country", "text")
