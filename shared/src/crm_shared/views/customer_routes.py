"""The read-only HTTP API of a customer view: ``GET /v1/customers`` and ``/v1/customers/{id}``.

- An unknown id answers 404 (problem details).
- A merged id answers 200 with the **survivor's** record; ``resolved_from`` names the id that
  was asked for and ``Content-Location`` the survivor's own URL (``resolved_from`` is null
  when the id asked for is the record's own).
- An erased id answers 200 with its tombstone: ``status: "erased"``, no personal data.
- The list shows active customers by default (``status`` selects aliases or tombstones),
  in id order, with cursor pagination, an optional ``total`` and ``updated_since`` for
  incremental sync (then in (updated_at, id) order); ``name`` matches part of the name,
  ignoring case.

Without ``customers:pii`` the e-mail, phone, birth date and postal address lines are masked
(:mod:`crm_shared.masking`).

The response model holds only the fields the service keeps, so a field a service does not
keep is absent from its API (and its OpenAPI document), not null.
"""

import functools
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, create_model

from crm_shared.api.access import AccessDep
from crm_shared.api.auth import requires
from crm_shared.api.concurrency import etag_for
from crm_shared.api.deps import CursorDep, LimitDep, SessionDep, TotalDep, UpdatedSinceDep
from crm_shared.api.pagination import SYNC_CONTRACT, Page, page_of
from crm_shared.api.problems import not_found
from crm_shared.auth.permissions import Permission
from crm_shared.contracts.customer import (
    ConsentChannel,
    CreditGrade,
    CustomerKind,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
    PostalAddress,
)
from crm_shared.masking import ADDRESS_LINES, BIRTH, CONTACT_POINTS, mask_fields
from crm_shared.views.customer_view import CustomerView, ViewFilter
from crm_shared.views.customer_view import list_customers as list_customers_of


class CustomerViewRecord(BaseModel):
    """Every field a customer view can serve; a service's model is a subset of these."""

    id: str
    kind: CustomerKind | None = Field(description="null on a tombstone")
    name: str | None = Field(description="null on a tombstone")
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    lifecycle_stage: LifecycleStage | None = Field(description="null on a tombstone")
    status: CustomerStatus
    merged_into: str | None = Field(description="the survivor, on a merged alias")
    credit_grade: CreditGrade | None = None
    operating_grade: OperatingGrade | None = None
    owner: str | None = None
    value_class: str | None = Field(None, description="VIP / value class (from analytics)")
    tags: list[str] | None = None
    consent: dict[ConsentChannel, bool] | None = None
    external_id: str | None = Field(
        None, description="the customer's id in the system it came from (an ERP)"
    )
    birth_date: date | None = Field(None, description="where the service keeps it")
    postal_address: PostalAddress | None = Field(
        None,
        description="where the service keeps it; without `customers:pii` the street and "
        "postal code are masked",
    )
    time_zone: str | None = Field(
        None, description="the customer's IANA time zone, where the service keeps it"
    )
    customer_version: int = Field(description="the customer master's version last applied")
    updated_at: datetime
    resolved_from: str | None = Field(
        None, description="the merged id that was asked for, when it resolved to this record"
    )


def customer_model(view: CustomerView, name: str) -> type[BaseModel]:
    """The response model of one service: the fields its view keeps, and ``resolved_from``."""
    fields: dict[str, Any] = {
        field: (info.annotation, info)
        for field, info in CustomerViewRecord.model_fields.items()
        if field in view.fields or field == "resolved_from"
    }
    return create_model(name, __doc__=f"A customer as this service knows it ({name}).", **fields)


def masked_row(view: CustomerView, row: dict[str, Any]) -> dict[str, Any]:
    """What the view serves of ``row`` to a caller without ``customers:pii``."""
    masked = mask_fields(view.public(row), {**CONTACT_POINTS, **BIRTH})
    if masked.get("postal_address") is not None:
        masked["postal_address"] = mask_fields(masked["postal_address"], ADDRESS_LINES)
    return masked


def customer_view_router(view: CustomerView, *, model_name: str = "Customer") -> APIRouter:
    model = customer_model(view, model_name)
    router = APIRouter(
        prefix="/v1/customers",
        tags=["customers"],
        dependencies=[requires(Permission.CUSTOMERS_READ)],
    )

    @router.get(
        "/{customer_id}",
        response_model=model,
        summary="One customer (a merged id resolves to the surviving record)",
        responses={404: {"description": "No customer with this id"}},
    )
    async def get_customer(
        customer_id: UUID, session: SessionDep, response: Response, access: AccessDep
    ) -> Any:
        asked = str(customer_id)
        repository = view.repository(session)
        row = await repository.resolve(asked)
        reach = view.reach(access.scope)
        if row is None or (reach is not None and not await repository.within(row["id"], reach)):
            raise not_found("customer", asked)  # the same answer for one out of reach
        body = view.public(row) if access.personal_data else masked_row(view, row)
        if row["id"] != asked:
            body["resolved_from"] = asked
            response.headers["Content-Location"] = f"{router.prefix}/{row['id']}"
        response.headers["ETag"] = etag_for(row["customer_version"])
        return body

    @router.get(
        "",
        # The model is built at run time from the view's fields: no static type to name.
        response_model=Page[model],  # type: ignore[valid-type]
        summary="Customers in id order (changes oldest first with updated_since), filtered by "
        "name, lifecycle stage and status",
        description=SYNC_CONTRACT
        + " Here `updated_at` is when the customer master recorded the change; the margin "
        "must also cover how far this view lags behind the master.",
    )
    async def list_customers(
        session: SessionDep,
        limit: LimitDep,
        access: AccessDep,
        cursor: CursorDep = None,
        total: TotalDep = False,
        updated_since: UpdatedSinceDep = None,
        name: Annotated[
            str | None, Query(min_length=1, max_length=200, description="Part of the name")
        ] = None,
        stage: Annotated[LifecycleStage | None, Query(description="Lifecycle stage")] = None,
        status: Annotated[
            CustomerStatus, Query(description="active (default), merged or erased")
        ] = CustomerStatus.ACTIVE,
    ) -> Any:
        where = ViewFilter(
            status=status.value,
            name=name,
            stage=stage.value if stage is not None else None,
            updated_since=updated_since,
            reach=view.reach(access.scope),
        )
        page = await list_customers_of(
            view.repository(session), where, limit=limit, cursor=cursor, with_total=total
        )
        served = view.public if access.personal_data else functools.partial(masked_row, view)
        return page_of(page, limit, served)

    return router
