"""The shared customer view: its guarded handlers, on a real SQLite file and PostgreSQL."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest
from crm_shared.bus.handlers import Dispatcher
from crm_shared.contracts.customer import (
    ConsentChannel,
    CreditGrade,
    CustomerStatus,
    LifecycleStage,
    OperatingGrade,
)
from crm_shared.db import UnitOfWork, create_engine, define_platform_tables
from crm_shared.db.rowset import ConcurrentInsertError
from crm_shared.events import IntegrationEvent
from crm_shared.testing import (
    PERSONAL,
    consent_changed,
    created,
    credit_rated,
    deliver,
    deliveries_of,
    erased,
    lifecycle_changed,
    merged,
    updated,
)
from crm_shared.views import (
    OPTIONAL_FIELDS,
    CustomerView,
    customer_view_handlers,
    define_customer_view_table,
)
from crm_shared.views.customer_routes import masked_row
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

PERSONAL_FIELDS = ("name", "email", "phone", "company", "tags", "consent", "credit_grade", "owner")


class ViewDatabase:
    """One customer view on its own database, fed through its real handlers."""

    def __init__(self, engine: AsyncEngine, keeps: Iterable[str]) -> None:
        self.engine = engine
        metadata = MetaData()
        self.tables = define_platform_tables(metadata)
        self.metadata = metadata
        self.view = CustomerView(
            define_customer_view_table(metadata, postal_address=True, time_zone=True),
            keeps=frozenset(keeps),
        )
        self.handlers = customer_view_handlers(self.view)
        self.session_factory = async_sessionmaker(engine, expire_on_commit=False)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.tables, source="crm/test")

    async def apply(self, *events: IntegrationEvent, one_run: bool = False) -> None:
        await deliver(self.unit_of_work, self.handlers, deliveries_of(*events), one_run=one_run)

    async def row(self, customer_id: str) -> dict[str, Any] | None:
        async with self.session_factory() as session:
            return await self.view.repository(session).get(customer_id)

    async def resolve(self, customer_id: str) -> dict[str, Any] | None:
        async with self.session_factory() as session:
            return await self.view.repository(session).resolve(customer_id)

    async def must_row(self, customer_id: str) -> dict[str, Any]:
        row = await self.row(customer_id)
        assert row is not None, f"no row for {customer_id}"
        return row


MakeView = Callable[..., Awaitable[ViewDatabase]]


@pytest.fixture
async def make_view(make_database: Callable[[str], Awaitable[str]]) -> Any:
    engines: list[AsyncEngine] = []

    async def make(keeps: Iterable[str] = OPTIONAL_FIELDS) -> ViewDatabase:
        engine = create_engine(await make_database("view"))
        engines.append(engine)
        database = ViewDatabase(engine, keeps)
        async with engine.begin() as connection:
            await connection.run_sync(database.metadata.create_all)
        return database

    yield make
    for engine in engines:
        await engine.dispose()


@pytest.fixture
async def db(make_view: MakeView) -> ViewDatabase:
    return await make_view()


async def test_created_stores_the_snapshot(db: ViewDatabase) -> None:
    await db.apply(created("c1", 1, name="Ada Ltd", tags=["vip", "fair"]))

    row = await db.must_row("c1")
    assert row["name"] == "Ada Ltd"
    assert row["kind"] == "individual"
    assert row["lifecycle_stage"] == "prospect"
    assert row["status"] == "active"
    assert row["credit_grade"] == "B"
    assert row["tags"] == ["vip", "fair"]
    assert row["consent"] == {"email": True, "sms": False}
    assert row["customer_version"] == 1


async def test_a_view_stores_only_the_fields_it_keeps(make_view: MakeView) -> None:
    db = await make_view(keeps={"email", "consent"})
    await db.apply(
        created("c1", 1),
        consent_changed("c1", 2, ConsentChannel.PHONE, True),
        credit_rated("c1", 3, CreditGrade.A),
    )

    row = await db.must_row("c1")
    assert row["email"] == PERSONAL["email"]
    assert row["consent"] == {"email": True, "sms": False, "phone": True}
    assert row["name"] == PERSONAL["name"]  # the core fields are always kept
    for field in ("phone", "company", "credit_grade", "operating_grade", "owner", "tags"):
        assert row[field] is None, field
    assert row["customer_version"] == 3  # a not-kept change still moves the version on


def test_a_view_refuses_fields_it_cannot_keep() -> None:
    table = define_customer_view_table(MetaData())
    with pytest.raises(ValueError, match="city"):
        CustomerView(table, keeps=frozenset({"email", "city"}))


async def test_older_and_duplicate_events_change_nothing(db: ViewDatabase) -> None:
    await db.apply(
        created("c1", 1, name="First"),
        updated("c1", 3, name="Third"),
        updated("c1", 2, name="Second, late"),
        updated("c1", 3, name="Third, replayed differently"),
        created("c1", 1, name="First, replayed"),
        lifecycle_changed("c1", 3, LifecycleStage.LOST),
        consent_changed("c1", 2, ConsentChannel.EMAIL, False),
        credit_rated("c1", 1, CreditGrade.E),
    )

    row = await db.must_row("c1")
    assert row["name"] == "Third"
    assert row["lifecycle_stage"] == "prospect"
    assert row["consent"] == {"email": True, "sms": False}
    assert row["credit_grade"] == "B"
    assert row["customer_version"] == 3


async def test_partial_events_apply_in_order(db: ViewDatabase) -> None:
    await db.apply(
        created("c1", 1),
        lifecycle_changed("c1", 2, LifecycleStage.CUSTOMER),
        consent_changed("c1", 3, ConsentChannel.SMS, True),
        consent_changed("c1", 4, ConsentChannel.EMAIL, False),
        credit_rated("c1", 5, CreditGrade.D, OperatingGrade.GRADE_3),
    )

    row = await db.must_row("c1")
    assert row["lifecycle_stage"] == "customer"
    assert row["consent"] == {"email": False, "sms": True}
    assert (row["credit_grade"], row["operating_grade"]) == ("D", "grade_3")
    assert row["customer_version"] == 5


async def test_merge_points_the_alias_at_the_survivor(db: ViewDatabase) -> None:
    await db.apply(
        created("keep", 1, name="Ada"),
        created("dupe", 1, name="Ada (twice)"),
        merged("keep", "dupe", 2, name="Ada merged", tags=["a", "b"]),
    )

    survivor = await db.must_row("keep")
    assert (survivor["name"], survivor["tags"], survivor["customer_version"]) == (
        "Ada merged",
        ["a", "b"],
        2,
    )
    alias = await db.must_row("dupe")
    assert (alias["status"], alias["merged_into"]) == ("merged", "keep")
    assert all(alias[field] is None for field in PERSONAL_FIELDS), alias
    resolved = await db.resolve("dupe")
    assert resolved is not None
    assert resolved["id"] == "keep"


async def test_a_merged_alias_ignores_later_events(db: ViewDatabase) -> None:
    await db.apply(
        created("keep", 1),
        merged("keep", "dupe", 2),  # the alias's own events arrive late (another partition)
        created("dupe", 1, name="Late twin"),
        updated("dupe", 7, name="Later twin"),
        consent_changed("dupe", 8, ConsentChannel.EMAIL, True),
        merged("keep", "dupe", 2),  # a replay
    )

    alias = await db.must_row("dupe")
    assert (alias["status"], alias["merged_into"], alias["name"]) == ("merged", "keep", None)
    assert alias["consent"] is None


async def test_a_snapshot_of_a_merged_record_waits_for_the_merge_event(db: ViewDatabase) -> None:
    await db.apply(
        created("dupe", 1, name="Twin"), updated("dupe", 2, status=CustomerStatus.MERGED)
    )
    row = await db.must_row("dupe")
    assert (row["status"], row["name"], row["customer_version"]) == ("active", "Twin", 1)

    await db.apply(merged("keep", "dupe", 3))
    row = await db.must_row("dupe")
    assert (row["status"], row["merged_into"]) == ("merged", "keep")


async def test_a_chain_of_merges_resolves_to_the_last_survivor(db: ViewDatabase) -> None:
    await db.apply(
        created("a", 1),
        created("b", 1),
        created("c", 1),
        merged("b", "a", 2),
        merged("c", "b", 2),
    )

    resolved = await db.resolve("a")
    assert resolved is not None
    assert resolved["id"] == "c"


async def test_erasure_scrubs_the_record_for_good(db: ViewDatabase) -> None:
    await db.apply(
        created("c1", 1),
        erased("c1", 2),
        updated("c1", 3, name="Back from the dead"),
        created("c1", 1),
        lifecycle_changed("c1", 4, LifecycleStage.CUSTOMER),
        consent_changed("c1", 5, ConsentChannel.EMAIL, True),
        credit_rated("c1", 6, CreditGrade.A),
        merged("c1", "other", 7),
        erased("c1", 2),
    )

    row = await db.must_row("c1")
    assert row["status"] == "erased"
    assert all(row[field] is None for field in PERSONAL_FIELDS), row
    assert row["kind"] is None
    assert row["lifecycle_stage"] is None
    assert row["customer_version"] == 2


ADDRESS = {
    "street": "12 St James's Square",
    "postal_code": "SW1Y 4JH",
    "city": "London",
    "region": "Greater London",
    "country": "GB",
}


async def test_the_postal_address_is_kept_masked_without_pii_and_erased(
    db: ViewDatabase,
) -> None:
    await db.apply(created("c1", 1, postal_address=ADDRESS))
    row = await db.must_row("c1")
    assert row["postal_address"] == ADDRESS
    assert masked_row(db.view, row)["postal_address"] == {
        **ADDRESS,
        "street": "***",
        "postal_code": "***",
    }
    await db.apply(updated("c1", 2, postal_address=None))
    assert (await db.must_row("c1"))["postal_address"] is None
    await db.apply(updated("c1", 3, postal_address=ADDRESS), erased("c1", 4))
    assert (await db.must_row("c1"))["postal_address"] is None


async def test_the_time_zone_is_kept_unmasked_and_goes_with_an_erasure_or_a_merge(
    db: ViewDatabase,
) -> None:
    await db.apply(created("c1", 1, time_zone="Pacific/Auckland"))
    row = await db.must_row("c1")
    assert row["time_zone"] == "Pacific/Auckland"
    assert masked_row(db.view, row)["time_zone"] == "Pacific/Auckland"  # no more than a region
    await db.apply(updated("c1", 2, time_zone=None))
    assert (await db.must_row("c1"))["time_zone"] is None
    await db.apply(updated("c1", 3, time_zone="UTC"), erased("c1", 4))
    assert (await db.must_row("c1"))["time_zone"] is None
    await db.apply(created("dupe", 1, time_zone="UTC"), merged("keep", "dupe", 2))
    assert (await db.must_row("dupe"))["time_zone"] is None


async def test_erasing_an_unknown_customer_leaves_a_tombstone(db: ViewDatabase) -> None:
    await db.apply(erased("ghost", 4), created("ghost", 1), updated("ghost", 5))

    row = await db.must_row("ghost")
    assert row["status"] == "erased"
    assert row["name"] is None
    assert row["email"] is None


async def test_erasing_a_survivor_erases_what_its_aliases_resolve_to(db: ViewDatabase) -> None:
    await db.apply(created("keep", 1), merged("keep", "dupe", 2), erased("keep", 3))

    resolved = await db.resolve("dupe")
    assert resolved is not None
    assert (resolved["id"], resolved["status"], resolved["name"]) == ("keep", "erased", None)


async def test_a_snapshot_for_an_unknown_customer_inserts_it(db: ViewDatabase) -> None:
    await db.apply(updated("c1", 4, name="Seen late"), merged("c2", "c3", 6))

    assert (await db.must_row("c1"))["name"] == "Seen late"
    assert (await db.must_row("c2"))["customer_version"] == 6
    assert (await db.must_row("c3"))["merged_into"] == "c2"


async def test_a_partial_event_for_an_unknown_customer_keeps_what_it_says(
    db: ViewDatabase,
) -> None:
    await db.apply(
        consent_changed("c1", 5, ConsentChannel.EMAIL, False),
        created("c1", 1),  # older than what the view holds: ignored
    )

    row = await db.must_row("c1")
    assert row["consent"] == {"email": False}  # the opt-out is not lost
    assert (row["name"], row["status"], row["customer_version"]) == (None, "active", 5)

    await db.apply(updated("c1", 6, name="Complete", consent={ConsentChannel.EMAIL: False}))
    row = await db.must_row("c1")
    assert (row["name"], row["consent"], row["customer_version"]) == (
        "Complete",
        {"email": False},
        6,
    )


async def test_a_partial_event_the_view_does_not_keep_creates_nothing(
    make_view: MakeView,
) -> None:
    db = await make_view(keeps={"email"})
    await db.apply(
        consent_changed("c1", 2, ConsentChannel.SMS, True),
        credit_rated("c1", 3, CreditGrade.A),
    )
    assert await db.row("c1") is None

    await db.apply(lifecycle_changed("c1", 4, LifecycleStage.CUSTOMER))
    row = await db.must_row("c1")
    assert (row["lifecycle_stage"], row["name"], row["customer_version"]) == ("customer", None, 4)


async def test_two_consumers_inserting_one_customer_at_once_both_apply(db: ViewDatabase) -> None:
    """The merge (on the survivor's partition) and the alias's own late event (on another
    partition, in another instance) both find no row for the alias and insert one: the second
    either waits for the first's lock and sees its row, or finds its insert ignored and is
    applied again as a transient failure (as the consumer does), never dead-lettered."""
    merge, twin = merged("keep", "dupe", 2), created("dupe", 1, name="Late twin")
    dispatcher = Dispatcher(db.handlers, "race")
    first_run, second_run = deliveries_of(merge), deliveries_of(twin)
    async with db.unit_of_work() as first:
        await dispatcher.apply(first, first_run)

        async def second_consumer() -> None:
            for _attempt in range(2):
                try:
                    async with db.unit_of_work() as second:
                        await dispatcher.apply(second, second_run)
                        await second.commit()
                        return
                except ConcurrentInsertError:
                    continue
            raise AssertionError("the second run never applied")

        racing = asyncio.create_task(second_consumer())
        await asyncio.sleep(0.3)  # the second run now waits for the first transaction
        await first.commit()
    await racing

    alias = await db.must_row("dupe")
    assert (alias["status"], alias["merged_into"], alias["name"]) == ("merged", "keep", None)


async def test_a_run_applied_in_one_transaction_equals_the_events_one_by_one(
    db: ViewDatabase,
) -> None:
    """The projection folds a run in memory; the outcome must be what per-event delivery
    gives, with out-of-order versions, a duplicate, a merge and an erasure in the run."""
    events = [
        created("a", 1, name="Ann"),
        updated("a", 3, name="Ann B."),
        lifecycle_changed("a", 2, LifecycleStage.CUSTOMER),  # late: older than the update
        consent_changed("b", 2, ConsentChannel.SMS, True),  # before b is known
        created("b", 1, name="Bob"),
        credit_rated("b", 3, CreditGrade.A),
        merged("a", "b", 4),
        created("c", 1, name="Cy"),
        erased("c", 2),
        updated("c", 3, name="Cy again"),  # after the erasure: ignored
    ]
    events.append(events[0])  # a redelivery inside the run
    await db.apply(*events, one_run=True)
    in_one_run = {key: await db.row(key) for key in ("a", "b", "c")}

    one_by_one = ViewDatabase(db.engine, db.view.keeps)
    async with db.engine.begin() as connection:
        for table in (one_by_one.view.table, *one_by_one.tables.all):
            await connection.execute(table.delete())
    await one_by_one.apply(*events)
    by_event = {key: await one_by_one.row(key) for key in ("a", "b", "c")}

    def comparable(row: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if row is None else {k: v for k, v in row.items() if k != "updated_at"}

    assert {k: comparable(v) for k, v in in_one_run.items()} == {
        k: comparable(v) for k, v in by_event.items()
    }
    merged_away, erased_row = in_one_run["b"], in_one_run["c"]
    assert merged_away is not None
    assert merged_away["status"] == "merged"
    assert erased_row is not None
    assert erased_row["name"] is None
