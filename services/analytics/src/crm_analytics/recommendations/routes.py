"""GET /v1/profiles/{customer_id}/suggestions: the cross-sell suggestions of a customer."""

from typing import Annotated
from uuid import UUID

from crm_shared.api.auth import requires
from crm_shared.api.deps import SessionDep
from crm_shared.api.openapi import problem_responses
from crm_shared.auth.permissions import Permission
from fastapi import APIRouter, Query

from crm_analytics.recommendations import service
from crm_analytics.recommendations.schemas import SuggestionOut, SuggestionsOut

router = APIRouter(tags=["profiles"])


@router.get(
    "/v1/profiles/{customer_id}/suggestions",
    dependencies=[requires(Permission.PROFILES_READ)],
    response_model=SuggestionsOut,
    summary="Products to offer a customer, from what was bought together with theirs",
    description="Association rules over all orders that were not cancelled (refreshed by each "
    "full scoring run): products the customer (and every customer merged into it) never "
    "bought, ranked by lift * confidence from the product they bought that suggests each best, "
    "with the reason in words.",
    responses=problem_responses(404, s404="No such customer"),
)
async def suggestions(
    customer_id: UUID,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50, description="At most this many")] = 10,
) -> SuggestionsOut:
    found_id, found = await service.customer_suggestions(session, str(customer_id), limit)
    return SuggestionsOut(
        customer_id=found_id, items=[SuggestionOut.model_validate(item) for item in found]
    )
