"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for load generation.

The machine has two cores and the load generator shares them with the server under test, so
the client must cost as little CPU as possible: httpx spends several times more per request
than this. It speaks just enough HTTP for our servers (Content-Length or chunked bodies).
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


class HttpError(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.headers = headers or {}  # sent with every request (a bearer token)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        reused = self._writer is not None
        try:
            return await self._request_once(method, path, body, headers)
        except HttpError:
            # The server may close an idle keep-alive connection just as we reuse it (uvicorn
            # does after 5 s): try once more on a new one. Every request here is retry-safe.
            if not reused:
                raise
            return await self._request_once(method, path, body, headers)

    async def _request_once(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None
    ) -> Response:
        if self._reader is None or self._writer is None or self._reader.at_eof():
            self.close()
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in {**self.headers, **(headers or {})}.items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
        try:
            return await self._read_response(self._reader)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            self.close()
            raise HttpError(f"the connection broke: {error!r}") from error
        except BaseException:
            self.close()  # a half-read response leaves the stream unusable
            raise

    async def _read_response(self, reader: asyncio.StreamReader) -> Response:
        status_line = await reader.readline()
        if not status_line:
            raise HttpError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        body = await (_read_chunked(reader) if chunked else reader.readexactly(length))
        if close:
            self.close()
        return Response(status, body)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()  # the blank line after the last (empty) chunk
    return b"".join(parts)


class Pool:
    """Keep-alive connections to one server, handed out one request at a time."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.headers = headers
        self._idle: list[Connection] = []

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        connection = (
            self._idle.pop() if self._idle else Connection(self.host, self.port, self.headers)
        )
        yield connection
        self._idle.append(connection)

    async def request(self, method: str, path: str, **options: Any) -> Response:
        async with self.connection() as connection:
            return await connection.request(method, path, **options)

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
