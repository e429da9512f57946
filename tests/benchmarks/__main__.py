"""``python -m tests.benchmarks [--quick] [--only create,latency,...] [--json PATH]``

Runs the selected measurements, each against a baseline measured in the same run on the same
machine, and prints one table per measurement as soon as it is done.
"""

import argparse
import asyncio
import datetime
import os
import platform
import signal
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.benchmarks import (
    bulk_import,
    catchup,
    clv_fit,
    console_paint,
    create_rate,
    marketing_send,
    memory,
    order_import,
    profile_latency,
    scores_run,
    segment_membership,
    sla_timers,
    token_check,
)
from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import FULL, QUICK
from tests.benchmarks.procstat import machine_busy
from tests.benchmarks.report import Section, render, write_json

MEASUREMENTS: dict[str, ModuleType] = {
    "create": create_rate,
    "latency": profile_latency,
    "catchup": catchup,
    "memory": memory,
    "import": bulk_import,
    "token": token_check,
    "orders": order_import,
    "timers": sla_timers,
    "clv": clv_fit,
    "scores": scores_run,
    "segments": segment_membership,
    "send": marketing_send,
    "console": console_paint,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run (~1 min)")
    parser.add_argument(
        "--only",
        default=",".join(MEASUREMENTS),
        help=f"comma-separated subset of: {', '.join(MEASUREMENTS)}",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in args.only if name not in MEASUREMENTS]
    if unknown or not args.only:
        parser.error(f"--only: choose from {', '.join(MEASUREMENTS)} (got {args.only})")
    return args


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": os.getloadavg(),
        "busy_before_start": machine_busy(),
    }


BUSY = 0.15  # more of the CPU than this in use before we start: something else is running


def header(info: dict[str, Any], quick: bool) -> str:
    load = ", ".join(f"{value:.2f}" for value in info["load_average"])
    busy = info["busy_before_start"] > BUSY
    return "\n".join(
        [
            "CRM benchmarks"
            + (
                " (--quick: smoke-run sizes and a 2 s Kafka session timeout; rough)"
                if quick
                else ""
            ),
            f"  {info['date']}  {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
            f"{info['system']}; load average at start {load}",
            f"  NOTE: only {info['cores']} cores: the load generator, the broker and the servers "
            "share them, so",
            "  absolute figures are pessimistic; compare each figure with its baseline, "
            "measured in this run.",
            *(
                [
                    f"  WARNING: the machine was not idle: {info['busy_before_start']:.0%} of "
                    "the CPU was in use in the second",
                    "  before the start: other processes compete for the same cores, so every "
                    "figure is noisier.",
                ]
                if busy
                else []
            ),
        ]
    )


async def run(args: argparse.Namespace) -> int:
    current = asyncio.current_task()
    assert current is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, current.cancel)
    plan = QUICK if args.quick else FULL
    info = machine()
    print(header(info, args.quick), flush=True)
    sections: list[Section] = []
    failures = 0
    overrides = {}
    if plan.session_timeout_ms:
        overrides["CRM_KAFKA_SESSION_TIMEOUT_MS"] = str(plan.session_timeout_ms)
    async with Harness(overrides) as harness:
        for name in args.only:
            module = MEASUREMENTS[name]
            section: Section = module.section(plan)
            sections.append(section)
            print(f"\n... running {name}", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                await module.run(harness, plan, section)
            except Exception as error:  # one broken measurement must not lose the others
                failures += 1
                section.note(f"FAILED: {type(error).__name__}: {error}")
            finally:
                await harness.stop_all()
            section.note(f"took {time.monotonic() - started:.0f} s")
            print("\n" + render(section), flush=True)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nload average at the end: {load} (1, 5, 15 minutes; includes this run)")
    if args.json:
        write_json(args.json, info, sections)
        print(f"figures written to {args.json}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted: everything started was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
