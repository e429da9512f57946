"""The baseline of the create-customer benchmark: a bare FastAPI endpoint, one INSERT + COMMIT.

What the customer service does on top (and this does not): duplicate detection, phone and
e-mail normalisation, the lifecycle history row, the Idempotency-Key lookup and stored
response, the outbox row, the relay publishing it to the broker, metrics and problem details.

It imports nothing from the CRM (so its memory is that of a bare FastAPI app), but its engine
repeats ``crm_shared.db.engine``'s settings, so both sides get the same database behaviour
(SQLite: WAL, synchronous=NORMAL, busy timeout, BEGIN IMMEDIATE; PostgreSQL: the same pool),
and uvicorn runs with the same options as ``crm_shared.service.serve``.

Run: ``BENCH_DATABASE_URL=... BENCH_PORT=... python -m tests.benchmarks.baseline_app``.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

metadata = MetaData()
customers = Table(
    "customers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class CustomerIn(BaseModel):
    kind: str
    name: str
    email: str | None = None
    phone: str | None = None


class CustomerOut(CustomerIn):
    id: str
    created_at: datetime


def create_engine(url: str) -> AsyncEngine:
    """The same settings as ``crm_shared.db.engine.create_engine``."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    database = make_url(url).database
    if database:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_app(database_url: str) -> FastAPI:
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(title="benchmark baseline", lifespan=lifespan)

    @app.post("/v1/customers", status_code=201)
    async def create_customer(body: CustomerIn) -> CustomerOut:
        customer = CustomerOut(
            id=str(uuid.uuid4()), created_at=datetime.now(UTC), **body.model_dump()
        )
        async with sessions() as session:
            await session.execute(insert(customers).values(**customer.model_dump()))
            await session.commit()
        return customer

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    return app


def main() -> None:
    uvicorn.run(
        create_app(os.environ["BENCH_DATABASE_URL"]),
        host="127.0.0.1",
        port=int(os.environ["BENCH_PORT"]),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
