"""Small process helpers shared by the broker and the supervisor."""

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

# Looked up once in the parent: a child between fork and exec should do as little as possible.
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def die_with_parent() -> None:
    """``preexec_fn`` for children: the kernel sends them SIGTERM when their parent dies.

    Without it, a launcher or test run killed with SIGKILL would leave the broker and the
    services running and holding their ports. Linux only (a no-op elsewhere). The kernel
    watches the *thread* that forked, so spawn children from the main (event loop) thread,
    never from a short-lived worker thread.
    """
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def signal_process_group(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the process group led by ``pid`` (children run in their own session,
    so the group is the child plus anything it spawned). A group already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def describe_exit(returncode: int) -> str:
    """'exit code 3' or 'killed by SIGKILL' (asyncio and subprocess report signals as -N)."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"
