"""The services' APIs as a console test scripts them: canned answers by method, service and
path, and a record of every request the console made (the writes are what a test checks)."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from crm_console.settings import UPSTREAMS, ConsoleSettings

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def settings() -> ConsoleSettings:
    """Each service at its own fake host: ``http://<service>.test``."""
    urls = {f"{name}_url": f"http://{name}.test" for name in UPSTREAMS}
    return ConsoleSettings(**urls)


@dataclass
class Call:
    service: str
    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: httpx.Headers

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


@dataclass
class FakeServices:
    answers: list[tuple[str, str, re.Pattern[str], Answer]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def on(
        self,
        method: str,
        service: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> None:
        """Answer ``method service path`` (``path`` a regular expression matched in full;
        the newest rule wins) with ``body`` as JSON, or ``text``."""
        if text is not None:
            answer = httpx.Response(status, text=text, headers=headers)
        elif body is None and status == 204:
            answer = httpx.Response(204, headers=headers)
        else:
            answer = httpx.Response(status, json=body, headers=headers)
        self.answers.insert(0, (method, service, re.compile(path), answer))

    def on_call(self, method: str, service: str, path: str, answer: Answer) -> None:
        self.answers.insert(0, (method, service, re.compile(path), answer))

    def writes(self, service: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.is_write and service in (None, c.service)]

    def handler(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host.removesuffix(".test")
        body: Any = request.content.decode() if request.content else None
        if body and "json" in request.headers.get("content-type", ""):
            body = json.loads(body)
        call = Call(
            service,
            request.method,
            request.url.path,
            dict(request.url.params),
            body,
            request.headers,
        )
        self.calls.append(call)
        for method, target, path, answer in self.answers:
            if method == request.method and target == service and path.fullmatch(call.path):
                return answer(request) if callable(answer) else answer
        return httpx.Response(
            404,
            json={
                "title": "Not Found",
                "detail": f"no fake for {request.method} {service} {call.path}",
            },
        )

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


@dataclass(frozen=True)
class WriteCase:
    """One of the console's write routes and the service API call it must turn into: the
    proof that the console changes nothing itself (``test_console_writes``).

    Each area lists its cases in ``console_writes_<area>.py`` as ``WRITES``."""

    method: str  # the console route's method
    route: str  # its path template, as declared: "/customers/{customer_id}/erase"
    url: str  # a concrete URL of it to call
    form: dict[str, str]  # what the page's form sends
    upstream: tuple[str, str, str]  # (service, method, path regex) of the write it makes
    role: str = "admin"
    # Canned answers the route reads before it writes (the write itself is answered 200 {}
    # unless prepared here too).
    prepare: Callable[[FakeServices], None] | None = None
    headers: dict[str, str] = field(default_factory=dict)
