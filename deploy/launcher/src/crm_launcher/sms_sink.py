"""The development SMS sink: a small HTTP server standing in for an SMS provider under
``crm up``. Every POST is appended as one JSON line to ``messages.jsonl`` and answered 202,
except a number (the body's ``to``) ending in 0000, which is refused with 400 as a provider
refuses an invalid number. HTTP/1.1 with keep-alive, parsed by h11."""

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

import h11

INVALID_NUMBER_SUFFIX = "0000"
_READ_SIZE = 64 * 1024
_MAX_BODY = 1024 * 1024


class SmsSink:
    """The sink on ``host:port`` (0: any free port), in the running event loop."""

    def __init__(self, host: str, port: int, folder: Path) -> None:
        self.host = host
        self.port = port
        self.folder = folder
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/messages"

    @property
    def log(self) -> Path:
        return self.folder / "messages.jsonl"

    async def start(self) -> None:
        """Listen; raises OSError when the port is taken."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_BODY)
        try:
            while True:
                request = await _next_event(connection, reader)
                if not isinstance(request, h11.Request):
                    return  # the client closed the connection, or a protocol error
                body = await _read_body(connection, reader)
                if body is None:
                    return
                status, answer = self._answer(request, body)
                _respond(connection, writer, status, answer)
                await writer.drain()
                if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                    return
                connection.start_next_cycle()
        except (h11.ProtocolError, ConnectionError):
            return
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, request: h11.Request, body: bytes) -> tuple[int, dict[str, Any]]:
        if request.method == b"GET":
            return 200, {"status": "ok", "log": str(self.log)}
        if request.method != b"POST":
            return 405, {"error": "POST a message"}
        try:
            message = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, {"error": "the body is not JSON"}
        number = message.get("to") if isinstance(message, dict) else None
        if not isinstance(number, str):
            status, answer = 400, {"error": 'no "to" number in the body'}
        elif number.endswith(INVALID_NUMBER_SUFFIX):
            status, answer = 400, {"error": f"invalid number {number}"}
        else:
            status, answer = 202, {"id": uuid.uuid4().hex, "status": "accepted"}
        self._append(
            {
                "received_at": datetime.now(UTC).isoformat(),
                "path": request.target.decode(errors="replace"),
                "status": status,
                "body": message,
            }
        )
        return status, answer

    def _append(self, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")


async def _next_event(connection: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(await reader.read(_READ_SIZE))  # b"": the client closed


async def _read_body(connection: h11.Connection, reader: asyncio.StreamReader) -> bytes | None:
    """The request's body, or None when the client went away (or sent too much) first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await _next_event(connection, reader)
        if isinstance(event, h11.EndOfMessage):
            return b"".join(chunks)
        if not isinstance(event, h11.Data):
            return None
        size += len(event.data)
        if size > _MAX_BODY:
            return None
        chunks.append(event.data)


def _respond(
    connection: h11.Connection, writer: asyncio.StreamWriter, status: int, answer: dict[str, Any]
) -> None:
    body = json.dumps(answer).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(body)))]
    response = h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase)
    writer.write(connection.send(response) or b"")
    writer.write(connection.send(h11.Data(data=body)) or b"")
    writer.write(connection.send(h11.EndOfMessage()) or b"")
