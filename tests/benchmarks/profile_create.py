"""Where a create's server time goes: ``python -m tests.benchmarks.profile_create [N]``.

Starts a bundled broker and the customer service (SQLite, bus running) as the benchmark does,
attaches py-spy (a sampling profiler: ``uv pip install py-spy``; it does not slow the service
down the way cProfile does) while the benchmark's closed loop sends ``N`` creates (default
2000), then prints the share of samples per function: own time and time including callees.
The collapsed stacks stay in ``create.folded`` (open them in speedscope or flamegraph.pl).
"""

import asyncio
import collections
import os
import shutil
import signal
import sys
from pathlib import Path

from crm_launcher.broker import free_port

from tests.benchmarks.create_rate import closed_loop
from tests.benchmarks.harness import Harness
from tests.benchmarks.plan import FULL
from tests.benchmarks.procstat import cpu_seconds

TOP = int(os.environ.get("PROFILE_TOP", "40"))
SAMPLES_PER_SECOND = 200


async def record(py_spy: str, requests: int, output: Path) -> None:
    async with Harness() as harness:
        broker = await harness.start_broker()
        port = free_port()
        env = harness.service_env("customer", broker, port)
        child = await harness.start_process("customer", ["-m", "crm_customer"], env, port)
        await closed_loop(child, harness.run_id, 0, FULL.create_warmup, FULL.concurrency)
        profiler = await asyncio.create_subprocess_exec(
            *(py_spy, "record", "--pid", str(child.pid), "--format", "raw"),
            *("--gil", "--nonblocking"),
            *("--rate", str(SAMPLES_PER_SECOND), "--output", str(output)),
            stdout=asyncio.subprocess.DEVNULL,
        )
        before = cpu_seconds(child.pid)
        result = await closed_loop(
            child, harness.run_id, FULL.create_warmup, requests, FULL.concurrency
        )
        used = cpu_seconds(child.pid) - before
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        await profiler.wait()
        print(
            f"{requests} creates at {result.rate:.0f} req/s; server CPU "
            f"{used / requests * 1000:.2f} ms per request (py-spy samples without pausing it)"
        )


def summarise(folded: Path) -> None:
    """Own and inclusive sample shares per function from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    for title, counter in (("own time", own), ("including callees", inclusive)):
        print(f"\n-- {title}: share of {total} samples of the thread holding the GIL --")
        for frame, samples in counter.most_common(TOP):
            print(f"{samples / total:6.1%}  {frame}")


def main() -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        sys.exit("py-spy is not installed: uv pip install py-spy")
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else FULL.create_requests
    output = Path("create.folded").resolve()
    asyncio.run(record(py_spy, requests, output))
    summarise(output)
    print(f"\ncollapsed stacks: {output}")


if __name__ == "__main__":
    main()
