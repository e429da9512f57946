"""A real HTTP receiver for webhook tests: a threaded ``http.server`` on 127.0.0.1 that
records every request and answers with the statuses a test queues (else its default, 204).
It can also be a slow partner: ``hold()`` keeps every request waiting for its answer until
``release()``."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crm_identity.webhooks import signing

HOLD_AT_MOST_SECONDS = 60


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verifies_with(self, secret: str) -> bool:
        """The receiver's check, as the README shows it."""
        return signing.verify(
            secret,
            self.headers["webhook-id"],
            int(self.headers["webhook-timestamp"]),
            self.body,
            self.headers["webhook-signature"],
        )


class Receiver:
    def __init__(self, default_status: int = 204) -> None:
        self.default_status = default_status
        self.received: list[Received] = []
        # (which requests, status): the first that matches answers one request, then goes.
        self.answers: list[tuple[Callable[[bytes], bool], int]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        self._arrived_held = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def fail_next(self, *statuses: int, about: str | None = None) -> None:
        """Answer the next requests with ``statuses``; with ``about``, only requests whose
        body mentions it (a customer id: the broker is shared, other events arrive too)."""

        def matches(body: bytes) -> bool:
            return about is None or about.encode() in body

        with self._lock:
            self.answers.extend((matches, status) for status in statuses)

    def hold(self) -> None:
        """From now on, keep requests waiting (received, unanswered) until ``release()``."""
        self._arrived_held.clear()
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for_held_request(self, timeout: float) -> bool:
        """Block (in a thread: ``asyncio.to_thread``) until a held request has arrived."""
        return self._arrived_held.wait(timeout)

    def _answer(self, body: bytes) -> int:
        for index, (matches, status) in enumerate(self.answers):
            if matches(body):
                del self.answers[index]
                return status
        return self.default_status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body))
                    status = receiver._answer(body)
                if not receiver._released.is_set():
                    receiver._arrived_held.set()
                    # Bounded, so that a test that forgets to release cannot hang shutdown.
                    receiver._released.wait(HOLD_AT_MOST_SECONDS)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return  # quiet

        return Handler


@contextmanager
def running_receiver(default_status: int = 204) -> Iterator[Receiver]:
    receiver = Receiver(default_status)
    thread = threading.Thread(target=receiver._server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver._server.shutdown()
        receiver._server.server_close()
        thread.join(timeout=5)
