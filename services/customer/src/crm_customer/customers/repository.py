"""All queries on customers."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crm_shared.contracts.customer import CustomerStatus
from crm_shared.db import RepositoryBase
from sqlalchemy import ColumnElement, Select, exists, func, or_, select

from crm_customer.customers.models import Customer, CustomerTag
from crm_customer.customers.normalize import fold, normalize_tags
from crm_customer.customers.search import (
    CHOICE_FILTERS,
    TEXT_FILTERS,
    CustomerFilter,
    Position,
)
from crm_customer.customers.vocabulary import CustomerSort

ACTIVE = CustomerStatus.ACTIVE.value


@dataclass(frozen=True)
class DuplicateGroup:
    matched_on: str
    key: str
    customer_ids: list[str]


class CustomerRepository(RepositoryBase[Customer]):
    model = Customer

    async def find_matches(
        self,
        *,
        email_normalized: str | None,
        phone: str | None,
        name_key: str | None,
        exclude_id: str | None = None,
    ) -> list[Customer]:
        """Active customers sharing the e-mail, the phone or the name+company key."""
        conditions: list[ColumnElement[bool]] = []
        if email_normalized:
            conditions.append(Customer.email_normalized == email_normalized)
        if phone:
            conditions.append(Customer.phone == phone)
        if name_key:
            conditions.append(Customer.name_key == name_key)
        if not conditions:
            return []
        statement = select(Customer).where(Customer.status == ACTIVE, or_(*conditions))
        if exclude_id is not None:
            statement = statement.where(Customer.id != exclude_id)
        return await self.all(statement.order_by(Customer.created_at, Customer.id))

    async def by_external_id(self, external_id: str) -> Customer | None:
        return await self.first(select(Customer).where(Customer.external_id == external_id))

    async def aliases_of(self, survivor_id: str) -> list[Customer]:
        """Records merged into this one (directly; a merge always points at a survivor)."""
        return await self.all(select(Customer).where(Customer.merged_into == survivor_id))

    async def search(
        self, filters: CustomerFilter, phone: str | None, after: Position | None, limit: int
    ) -> list[Customer]:
        by_name = filters.sort in (CustomerSort.NAME, CustomerSort.NAME_DESC)
        key = Customer.name_folded if by_name else Customer.created_at
        return await self.keyset_page(
            self._filtered(filters, phone),
            (key, Customer.id),
            after=(after.key, after.id) if after is not None else None,
            limit=limit,
            descending=filters.sort.value.startswith("-"),
        )

    async def duplicate_groups(self, limit: int) -> list[DuplicateGroup]:
        groups: list[DuplicateGroup] = []
        for matched_on, column in (
            ("email", Customer.email_normalized),
            ("phone", Customer.phone),
            ("name_company", Customer.name_key),
        ):
            groups.extend(await self._groups_by(matched_on, column, limit - len(groups)))
        return groups

    async def _groups_by(self, matched_on: str, column: Any, limit: int) -> list[DuplicateGroup]:
        if limit <= 0:
            return []
        keys = await self.session.scalars(
            select(column)
            .where(Customer.status == ACTIVE, column.is_not(None))
            .group_by(column)
            .having(func.count() > 1)
            .order_by(column)
            .limit(limit)
        )
        groups = []
        for key in keys:
            ids = await self.session.scalars(
                select(Customer.id)
                .where(Customer.status == ACTIVE, column == key)
                .order_by(Customer.created_at, Customer.id)
            )
            groups.append(DuplicateGroup(matched_on, key, list(ids)))
        return groups

    def _filtered(self, filters: CustomerFilter, phone: str | None) -> Select[Any]:
        statement = select(Customer)
        for name, column in CHOICE_FILTERS.items():
            chosen: Sequence[str] = getattr(filters, name)
            if chosen:
                statement = statement.where(getattr(Customer, column).in_(list(chosen)))
        for name in TEXT_FILTERS:
            value = getattr(filters, name)
            if value is not None:
                statement = statement.where(func.lower(getattr(Customer, name)) == value.lower())
        if filters.name:
            statement = statement.where(
                Customer.name_folded.contains(fold(filters.name), autoescape=True)
            )
        if filters.email:
            statement = statement.where(Customer.email_normalized == filters.email.strip().lower())
        if phone is not None:
            statement = statement.where(Customer.phone == phone)
        for tag in normalize_tags(filters.tag):
            statement = statement.where(
                exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag == tag)
            )
        if filters.created_after is not None:
            statement = statement.where(Customer.created_at >= filters.created_after)
        if filters.created_before is not None:
            statement = statement.where(Customer.created_at < filters.created_before)
        return statement
