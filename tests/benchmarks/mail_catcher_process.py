"""``python -m tests.benchmarks.mail_catcher_process FOLDER``: the launcher's development mail
catcher alone in a process of its own, so that its work (parsing SMTP, writing ``.eml``
files) does not share the benchmark's event loop.

It listens on a free port of 127.0.0.1, prints ``listening <port>`` once it accepts, and
runs until SIGTERM or SIGINT.
"""

import asyncio
import signal
import sys
from pathlib import Path

from crm_launcher.mail_catcher import MailCatcher

HOST = "127.0.0.1"


async def serve(folder: Path) -> None:
    catcher = MailCatcher(HOST, 0, folder)
    await catcher.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    print(f"listening {catcher.port}", flush=True)
    try:
        await stopping.wait()
    finally:
        await catcher.stop()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(f"usage: python -m tests.benchmarks.mail_catcher_process FOLDER (got {sys.argv})")
    asyncio.run(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
