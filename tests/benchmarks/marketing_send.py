"""12. Campaign sends: e-mails a second from a campaign to a large audience, through the
development SMTP server, against raw aiosmtplib sends to the same server.

The server is the launcher's mail catcher (``crm_launcher.mail_catcher``), run in a process
of its own (``tests.benchmarks.mail_catcher_process``) so that it does not share the
benchmark's event loop; it writes every message it accepts as an ``.eml`` file.

- service: the marketing service in-process on its own database (SQLite, and PostgreSQL when
  a server answers). N customers (e-mail consent, active) and their membership of one segment
  are written straight into its tables; one e-mail campaign to that segment is created and
  launched through its use cases (the launch enrols the N messages). Then a ``Sender`` with
  the service's own channels (``channels_for``, SMTP to the catcher) calls ``send_due()``
  until nothing is left: per batch, the claim (consent rules, the message personalised and
  its links signed, one transaction), the SMTP transactions over one connection, and the
  settle (status and the sent and delivered events, one transaction). The frequency cap and
  the quiet hours are set out of the way. Rate = messages delivered / seconds.
- baseline: one aiosmtplib connection to the same catcher and N ``send_message`` calls,
  cycling through one batch of ``EmailMessage`` objects of the same shape (the same subject,
  text and HTML with the signed links, the List-Unsubscribe headers), built before the
  timing (see :func:`baseline_messages` for why not N distinct objects).

Where the service's time goes: every batch's claim, channel and settle are timed; and a
second, smaller send on SQLite runs under cProfile, its top cost centres in the notes.
"""

import asyncio
import contextlib
import cProfile
import io
import pstats
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from crm_launcher.processes import die_with_parent, signal_process_group
from crm_marketing.app import create_app
from crm_marketing.audiences.models import SegmentMember, member_key
from crm_marketing.campaigns.models import Campaign
from crm_marketing.campaigns.schemas import CampaignCreate
from crm_marketing.campaigns.service import create_campaign, launch
from crm_marketing.channels.base import ChannelAdapter, OutgoingMessage, SendResult
from crm_marketing.channels.email import EmailChannel
from crm_marketing.channels.factory import channels_for
from crm_marketing.db import customer_view_table
from crm_marketing.sends.compose import compose
from crm_marketing.sends.repository import MessageRepository, MessageStatus
from crm_marketing.sends.sender import Claimed, Sender
from crm_marketing.settings import MarketingSettings
from crm_marketing.tracking.urls import links_for
from crm_shared.clock import SYSTEM_CLOCK
from crm_shared.contracts.marketing import MarketingChannel
from crm_shared.preconditions import ANY_VERSION
from fastapi import FastAPI
from sqlalchemy import insert

from tests.benchmarks.harness import HOST, READY_TIMEOUT, REPOSITORY, STOP_TIMEOUT, Harness
from tests.benchmarks.plan import QUICK, Plan
from tests.benchmarks.report import Section
from tests.benchmarks.stats import ms, percentile

INSERT_CHUNK = 5_000
PROFILED = 5_000  # members of the send run under cProfile
TOP = 8  # cost centres named in the notes
SEGMENT_ID = "5e9d0c1e-2b1a-4c7e-9a57-0b3f6c2d8a11"
MAIL_FROM = "CRM <crm@crm.example>"
SUBJECT = "Spring news for {{ first_name | default('you') }}"
BODY = (
    "Dear {{ first_name | default('customer') }},\n\n"
    "our spring collection is in: https://shop.example.org/spring\n"
    "Members save 10 % until the end of the month.\n\n"
    "See you soon,\nThe shop team\n"
)
HTML = (
    "<p>Dear {{ first_name | default('customer') }},</p>\n"
    '<p>our spring collection is in: <a href="https://shop.example.org/spring">have a look</a>'
    "</p>\n<p>Members save 10 % until the end of the month.</p>\n"
    "<p>See you soon,<br>The shop team</p>\n"
)
FIRST_NAMES = ("Ada", "Bob", "Cyd", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon")


def size(plan: Plan) -> int:
    return 5_000 if plan == QUICK else 100_000


# -- the development SMTP server ------------------------------------------------------------


@contextlib.asynccontextmanager
async def mail_catcher(folder: Path, log: Path) -> AsyncIterator[int]:
    """The catcher in a child process writing under ``folder``; yields its port."""
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.benchmarks.mail_catcher_process",
            str(folder),
            cwd=REPOSITORY,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT)
        if not line.startswith(b"listening "):
            raise RuntimeError(f"the mail catcher did not start ({line!r}):\n{tail(log)}")
        yield int(line.split()[1])
    finally:
        signal_process_group(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            signal_process_group(process.pid, signal.SIGKILL)
            await process.wait()


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:] if log.exists() else ""


def eml_files(folder: Path) -> list[Path]:
    return list(folder.glob("*.eml")) if folder.exists() else []


def received(folder: Path) -> tuple[int, float]:
    """(messages the catcher kept, their mean size in bytes), and empties the folder again
    so that the next measurement starts from an empty one."""
    files = eml_files(folder)
    total = sum(path.stat().st_size for path in files)
    for path in files:
        path.unlink()
    return len(files), total / len(files) if files else 0.0


# -- the service ------------------------------------------------------------------------------


def marketing_settings(database_url: str, folder: Path, port: int) -> MarketingSettings:
    return MarketingSettings(
        database_url=database_url,
        data_dir=folder,
        smtp_url=f"smtp://{HOST}:{port}",
        mail_from=MAIL_FROM,
        frequency_cap=1_000_000,  # every member gets this one campaign's message
        quiet_hours_start=clock_time(0),  # equal ends: no quiet hours
        quiet_hours_end=clock_time(0),
    )


@contextlib.asynccontextmanager
async def marketing_app(settings: MarketingSettings) -> AsyncIterator[FastAPI]:
    app = create_app(settings, run_bus=False, clock=SYSTEM_CLOCK, send=False)
    async with app.router.lifespan_context(app):
        yield app


def customer_rows(ids: Sequence[str], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for n, customer_id in enumerate(ids):
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        rows.append(
            {
                "id": customer_id,
                "kind": "individual",
                "name": f"{first} Tester{n}",
                "email": f"{first.lower()}.tester{n}@customer.example",
                "lifecycle_stage": "customer",
                "status": "active",
                "consent": {"email": True},
                "tags": [],
                "customer_version": 1,
                "updated_at": now,
            }
        )
    return rows


def member_rows(ids: Sequence[str], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": member_key(SEGMENT_ID, customer_id),
            "segment_id": SEGMENT_ID,
            "customer_id": customer_id,
            "segment_name": "Spring audience",
            "member": True,
            "sequence": 1,
            "changed_at": now,
        }
        for customer_id in ids
    ]


async def seed(app: FastAPI, count: int) -> None:
    """``count`` consenting customers, all members of the segment (no events: written
    straight into the tables)."""
    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with app.state.runtime.session_factory() as session:
        for start in range(0, count, INSERT_CHUNK):
            chunk = ids[start : start + INSERT_CHUNK]
            await session.execute(insert(customer_view_table), customer_rows(chunk, now))
            await session.execute(insert(SegmentMember), member_rows(chunk, now))
        await session.commit()


def campaign_body() -> CampaignCreate:
    return CampaignCreate.model_validate(
        {
            "name": "Spring news",
            "channel": "email",
            "segment_id": SEGMENT_ID,
            "message": {"subject": SUBJECT, "body": BODY, "html": HTML},
        }
    )


async def launched_campaign(app: FastAPI) -> str:
    """One e-mail campaign to the segment, created and launched (its messages enrolled)."""
    runtime = app.state.runtime
    async with runtime.unit_of_work() as uow:
        campaign = await create_campaign(uow, campaign_body(), runtime.settings, actor="bench")
        await uow.commit()
    async with runtime.unit_of_work() as uow:
        await launch(uow, campaign.id, ANY_VERSION)
        await uow.commit()
    campaign_id: str = campaign.id
    return campaign_id


class TimedChannel:
    """A channel adapter that counts the seconds its channel takes."""

    def __init__(self, channel: ChannelAdapter) -> None:
        self.channel = channel
        self.seconds = 0.0

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        started = time.perf_counter()
        try:
            return await self.channel.send(messages)
        finally:
            self.seconds += time.perf_counter() - started

    async def aclose(self) -> None:
        await self.channel.aclose()


class TimedSender(Sender):
    """The sender, with the seconds of its two transactions counted."""

    claim_seconds = 0.0
    settle_seconds = 0.0

    async def _claim(self, campaign_id: str) -> tuple[Claimed | None, int]:
        started = time.perf_counter()
        try:
            return await super()._claim(campaign_id)
        finally:
            self.claim_seconds += time.perf_counter() - started

    async def _settle(self, claimed: Claimed, results: Sequence[SendResult]) -> None:
        started = time.perf_counter()
        try:
            await super()._settle(claimed, results)
        finally:
            self.settle_seconds += time.perf_counter() - started


@dataclass
class SendRun:
    seconds: float = 0.0
    batches: list[float] = field(default_factory=list)  # seconds of each pass that sent
    phases: dict[str, float] = field(default_factory=dict)


async def send_everything(app: FastAPI, profile: cProfile.Profile | None = None) -> SendRun:
    """``send_due()`` until it settles nothing more."""
    runtime = app.state.runtime
    email_channel = TimedChannel(
        channels_for(runtime.settings, runtime.unit_of_work)[MarketingChannel.EMAIL]
    )
    sender = TimedSender(
        runtime.unit_of_work, runtime.settings, {MarketingChannel.EMAIL: email_channel}
    )
    run = SendRun()
    try:
        if profile is not None:
            profile.enable()
        started = time.perf_counter()
        while True:
            batch_started = time.perf_counter()
            settled = await sender.send_due()
            if not settled:
                break
            run.batches.append(time.perf_counter() - batch_started)
        run.seconds = time.perf_counter() - started
    finally:
        if profile is not None:
            profile.disable()
        await email_channel.aclose()
    other = run.seconds - sender.claim_seconds - email_channel.seconds - sender.settle_seconds
    run.phases = {
        "claim": sender.claim_seconds,
        "SMTP channel": email_channel.seconds,
        "settle": sender.settle_seconds,
        "rest": other,
    }
    return run


async def delivered(app: FastAPI, campaign_id: str) -> tuple[int, dict[str, int]]:
    """(messages delivered, messages per status/outcome) of the campaign."""
    async with app.state.runtime.unit_of_work() as uow:
        tally = await MessageRepository(uow.session).tally(campaign_id)
    per = {f"{status}/{outcome}": row["messages"] for (status, outcome), row in tally.items()}
    count = sum(
        row["messages"]
        for (status, outcome), row in tally.items()
        if status == MessageStatus.SENT and outcome == "delivered"
    )
    return count, per


def phase_note(label: str, run: SendRun) -> str:
    shares = ", ".join(
        f"{name} {seconds:.1f} s ({seconds / run.seconds:.0%})"
        for name, seconds in run.phases.items()
    )
    return f"{label}: where the {run.seconds:.1f} s went: {shares}"


# -- the baseline -----------------------------------------------------------------------------


def baseline_messages(count: int, folder: Path) -> list[EmailMessage]:
    """``count`` messages made as the service makes them (same templates, signed links,
    headers, MIME structure), as ``EmailMessage`` objects. One batch's worth is sent over and
    over: a message object keeps its headers' parse trees, about 80 kB, so 100,000 distinct
    ones would take 8 GB (and minutes to build); sending an object again costs the same as
    sending a new one (aiosmtplib copies and flattens it every time)."""
    settings = MarketingSettings(
        database_url=f"sqlite+aiosqlite:///{folder / 'unused.db'}",
        data_dir=folder,
        mail_from=MAIL_FROM,
    )
    links = links_for(settings)
    body = campaign_body()
    campaign = Campaign(
        id=str(uuid.uuid4()),
        name=body.name,
        channel="email",
        subject=body.message.subject,
        body=body.message.body,
        html=body.message.html,
    )
    # The service's builder (its header classes made once, as a careful sender would): with
    # the stock policy each header builds a class, several times slower and larger.
    builder = EmailChannel.from_settings(settings)
    now = datetime.now(UTC)
    messages = []
    for row in customer_rows([str(uuid.uuid4()) for _ in range(count)], now):
        made = compose(campaign, str(uuid.uuid4()), None, row, str(row["email"]), links, now)
        messages.append(builder.build(made))
    return messages


async def raw_sends(port: int, pool: Sequence[EmailMessage], count: int) -> SendRun:
    """``count`` sends over one connection, cycling through ``pool`` (one batch's worth)."""
    run = SendRun()
    batch = len(pool)
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname=HOST, port=port, local_hostname="crm.example") as smtp:
        for start in range(0, count, batch):
            batch_started = time.perf_counter()
            for message in pool[: count - start]:
                await smtp.send_message(message)
            run.batches.append(time.perf_counter() - batch_started)
    run.seconds = time.perf_counter() - started
    return run


# -- where the time goes --------------------------------------------------------------------


def top_entries(profile: cProfile.Profile) -> list[str]:
    """The functions with the most own time, and the cumulative time of the steps that
    matter, as shares of the profiled send."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in table.values())
    by_own = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    own = "; ".join(f"{_name(key)} {values[2] / total:.0%}" for key, values in by_own if total)
    steps = {
        "compose": ("compose.py", "compose"),
        "templates.render": ("templates.py", "render"),
        "EmailChannel.build": ("email.py", "build"),
        "_flatten": ("email.py", "_flatten"),
        "SMTP data": ("smtp.py", "data"),
        "session.execute": ("session.py", "execute"),
        "commit": ("uow.py", "commit"),
    }
    cumulative = []
    for label, (filename, function) in steps.items():
        seconds = max(
            (values[3] for key, values in table.items()
             if key[0].endswith(filename) and key[2] == function),
            default=0.0,
        )  # fmt: skip
        if seconds and total:
            cumulative.append(f"{label} {seconds / total:.0%}")
    return [
        f"profile: own time: {own}",
        f"profile: cumulative: {', '.join(cumulative)}",
    ]


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function  # a built-in: "<method 'poll' of 'select.epoll' objects>"
    parts = Path(filename).parts
    return f"{'/'.join(parts[-2:])}:{line}({function})"


# -- the measurement ------------------------------------------------------------------------


async def measure_service(
    label: str, database_url: str, folder: Path, port: int, count: int
) -> tuple[SendRun, int, dict[str, int], list[str]]:
    """(the send, messages delivered, messages per status, notes); ``folder`` exists."""
    notes = []
    async with marketing_app(marketing_settings(database_url, folder, port)) as app:
        started = time.perf_counter()
        await seed(app, count)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        campaign_id = await launched_campaign(app)
        launched = time.perf_counter() - started
        notes.append(
            f"{label}: {count:,} customers and members written in {seeded:.0f} s; "
            f"the launch enrolled them in {launched:.1f} s"
        )
        run = await send_everything(app)
        count_delivered, per_status = await delivered(app, campaign_id)
    return run, count_delivered, per_status, notes


async def profiled_send(root: Path, port: int, mail: Path) -> list[str]:
    folder = root / "profiled"
    folder.mkdir(parents=True)
    profile = cProfile.Profile()
    database_url = f"sqlite+aiosqlite:///{folder / 'marketing.db'}"
    async with marketing_app(marketing_settings(database_url, folder, port)) as app:
        await seed(app, PROFILED)
        await launched_campaign(app)
        run = await send_everything(app, profile)
    received(mail)
    return [
        f"cProfile of a {PROFILED:,}-member send on SQLite ({run.seconds:.1f} s under the "
        "profiler; the event loop's own thread only: SQLite works in its driver's thread, "
        "which shows as the loop's poll)",
        *top_entries(profile),
    ]


async def run(harness: Harness, plan: Plan, section: Section) -> None:
    count = size(plan)
    root = harness.root / f"send-{uuid.uuid4().hex[:6]}"
    mail = root / "mail"
    root.mkdir(parents=True)
    async with mail_catcher(mail, root / "mail-catcher.log") as port:
        batch = marketing_settings("sqlite+aiosqlite://", root, port).send_batch_size
        pool = baseline_messages(batch, root)
        base = await raw_sends(port, pool, count)
        base_kept, base_size = received(mail)
        if base_kept != count:
            raise RuntimeError(f"the catcher kept {base_kept:,} of {count:,} raw sends")
        section.note(f"baseline: {count:,} messages of {base_size:,.0f} bytes on average")

        postgres_missing = await harness.postgres_unavailable()
        for label, on_postgres in (("SQLite", False), ("PostgreSQL", True)):
            if on_postgres and postgres_missing:
                section.note(f"PostgreSQL rows skipped: {postgres_missing}")
                continue
            folder = root / label.lower()
            folder.mkdir()
            url = (
                await harness.create_database()
                if on_postgres
                else f"sqlite+aiosqlite:///{folder / 'marketing.db'}"
            )
            sent, count_delivered, per_status, notes = await measure_service(
                label, url, folder, port, count
            )
            kept, mean_size = received(mail)
            if count_delivered != count or kept != count:
                raise RuntimeError(
                    f"{label}: {count_delivered:,} delivered and {kept:,} kept by the catcher "
                    f"of {count:,} members ({per_status})"
                )
            where = f"{label}, {count:,} members"
            section.add(where, "e-mails sent", "msg/s", count / sent.seconds, count / base.seconds)
            section.add(
                where,
                f"one batch of {batch} p50",
                "ms",
                ms(percentile(sent.batches, 0.5)),
                ms(percentile(base.batches, 0.5)),
            )
            for note in notes:
                section.note(note)
            section.note(
                f"{label}: {count:,} delivered ({mean_size:,.0f} bytes on average) in "
                f"{sent.seconds:.1f} s; the baseline's {count:,} in {base.seconds:.1f} s"
            )
            section.note(phase_note(label, sent))

        for note in await profiled_send(root, port, mail):
            section.note(note)


def section(plan: Plan) -> Section:
    count = size(plan)
    return Section(
        key="send",
        title="12. Campaign sends: e-mails a second through the development SMTP server",
        service_name="sender",
        baseline_name="raw SMTP",
        method=[
            f"{count:,} consenting customers in one segment written into the marketing "
            "tables; one e-mail",
            "  campaign created and launched (its messages enrolled); then Sender.send_due() "
            "until all are",
            "  settled: claim (consent, personalise, sign links; commit), SMTP to the "
            "launcher's mail catcher",
            "  (its own process, .eml files), settle (status and events; commit), batches "
            "of send_batch_size.",
            f"  Baseline: one aiosmtplib connection to the same catcher, {count:,} "
            "send_message calls cycling",
            "  through one batch of messages of the same shape, built before the timing.",
        ],
    )
