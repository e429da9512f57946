"""A stand-in for a CRM service, for the launcher's tests (the real services come later).

The tests copy this file to ``<tmp>/crm_<name>/__main__.py`` and put ``<tmp>`` first on
PYTHONPATH, so the launcher's ``python -m crm_<name>`` runs it. It records its pid and its
``CRM_*`` environment in ``$STANDIN_DIR/<name>.json`` (the latest start) and appends its pid
to ``$STANDIN_DIR/<name>.pids`` (every start), then behaves as ``STANDIN_<NAME>`` says:

- ``serve`` (default): answers 200 on /healthz and /readyz until SIGTERM;
- ``die``: prints a reason and exits 3 at once;
- ``never-ready``: answers /readyz with 503;
- ``crash-after-ready``: exits 4 shortly after its first 200 on /readyz;
- ``ignore-sigterm``: serves, but only SIGKILL ends it.

``<behaviour>:<n>`` (e.g. ``die:2``) behaves so for the first ``n`` starts, then serves: a
service that crashes a few times and then recovers, as the launcher's restarts should see.
"""

import http.server
import json
import os
import pathlib
import signal
import sys
import threading

NAME = (__package__ or "crm_unknown").removeprefix("crm_")
STANDIN_DIR = pathlib.Path(os.environ["STANDIN_DIR"])


def record_start() -> int:
    """Records this start; returns how many starts there have been, this one included."""
    record = {
        "pid": os.getpid(),
        "env": {key: value for key, value in os.environ.items() if key.startswith("CRM_")},
    }
    (STANDIN_DIR / f"{NAME}.json").write_text(json.dumps(record))
    with (STANDIN_DIR / f"{NAME}.pids").open("a") as pids:
        pids.write(f"{os.getpid()}\n")
    return len((STANDIN_DIR / f"{NAME}.pids").read_text().split())


def behaviour_now(spec: str, starts: int) -> str:
    behaviour, _, limit = spec.partition(":")
    return "serve" if limit and starts > int(limit) else behaviour


BEHAVIOUR = behaviour_now(os.environ.get(f"STANDIN_{NAME.upper()}", "serve"), record_start())


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # the name http.server calls
        if self.path == "/readyz" and BEHAVIOUR == "never-ready":
            self.send_response(503)
        elif self.path in ("/healthz", "/readyz"):
            self.send_response(200)
        else:
            self.send_response(404)
        self.end_headers()
        if self.path == "/readyz" and BEHAVIOUR == "crash-after-ready":
            threading.Timer(0.2, os._exit, args=(4,)).start()

    def log_message(self, format: str, *args: object) -> None:  # quiet, like a real service
        pass


def main() -> None:
    if BEHAVIOUR == "die":
        print(f"{NAME}: cannot open the database, giving up", flush=True)
        sys.exit(3)
    if BEHAVIOUR == "ignore-sigterm":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    port = int(os.environ[f"CRM_{NAME.upper()}_PORT"])
    server = http.server.ThreadingHTTPServer((os.environ["CRM_HOST"], port), Handler)
    print(f"{NAME}: listening on port {port}", flush=True)
    server.serve_forever()


main()
