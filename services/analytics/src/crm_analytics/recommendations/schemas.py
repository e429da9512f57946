"""The cross-sell suggestions as the API shows them."""

from pydantic import BaseModel, ConfigDict, Field


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product: str = Field(description="A product the customer never bought")
    because_of: str = Field(description="The product they bought that leads to it")
    support: float = Field(description="Share of all orders holding both products")
    confidence: float = Field(description="Share of the orders with `because_of` that hold it")
    lift: float = Field(description="How many times likelier in an order with `because_of`")
    score: float = Field(description="lift * confidence: the ranking")
    reason: str = Field(description="The rule in words")


class SuggestionsOut(BaseModel):
    customer_id: str = Field(description="The profile's id (a merged id's survivor)")
    items: list[SuggestionOut]
