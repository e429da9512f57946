"""The backend-for-frontend's one door to the services: their HTTP APIs, called with the
signed-in person's own token, so every service applies its own rules and permissions to the
person, and the console decides nothing (every write a page makes is a call here).

A service's refusal arrives as :class:`UpstreamError` with its RFC 9457 problem detail; the
pages show its ``detail`` to the person as the service wrote it.
"""

from collections.abc import Mapping
from typing import Any

import httpx

Params = Mapping[str, str | int | float | bool | list[str] | None]


class UpstreamError(Exception):
    """A service answered 4xx/5xx, or could not be reached (``status`` 503)."""

    def __init__(self, service: str, status: int, problem: Mapping[str, Any]) -> None:
        self.service = service
        self.status = status
        self.problem = dict(problem)
        super().__init__(f"{service}: {status} {self.detail}")

    @property
    def detail(self) -> str:
        detail = self.problem.get("detail") or self.problem.get("title")
        if detail:
            return str(detail)
        return f"the {self.service} service answered {self.status}"

    @property
    def code(self) -> str:
        """The problem's machine-readable code (``code``, else the end of ``type``)."""
        code = self.problem.get("code") or str(self.problem.get("type", "")).rsplit("/", 1)[-1]
        return str(code)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Per-field validation errors, where the service sent them."""
        errors = self.problem.get("errors")
        return list(errors) if isinstance(errors, list) else []


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:300] or response.reason_phrase}
    if isinstance(body, dict):
        if "error_description" in body:  # an OAuth error (RFC 6749 §5.2)
            return {"detail": body["error_description"], "code": body.get("error")}
        return body
    return {"detail": str(body)[:300]}


def _clean(params: Params | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {key: value for key, value in params.items() if value not in (None, "", [])}


class Upstream:
    """The services' APIs for one request, as the person whose token it carries."""

    def __init__(self, http: httpx.AsyncClient, urls: Mapping[str, str], token: str | None):
        self._http = http
        self._urls = urls
        self._token = token

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        headers.update(extra or {})
        return headers

    async def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The raw answer of a 2xx/3xx; :class:`UpstreamError` for anything else."""
        url = self._urls[service] + path
        try:
            response = await self._http.request(
                method,
                url,
                params=_clean(params),
                json=json,
                data=data,
                headers=self._headers(headers),
            )
        except httpx.HTTPError as error:
            raise UpstreamError(
                service, 503, {"detail": f"the {service} service cannot be reached right now"}
            ) from error
        if response.status_code >= 400:
            raise UpstreamError(service, response.status_code, _problem(response))
        return response

    async def get(self, service: str, path: str, params: Params | None = None) -> Any:
        """A read's JSON body."""
        return (await self.request("GET", service, path, params=params)).json()

    async def send(
        self,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """A write; its JSON body (``None`` for an empty answer such as 204)."""
        response = await self.request(method, service, path, json=json, data=data, headers=headers)
        if not response.content:
            return None
        if "json" not in response.headers.get("content-type", ""):
            return None
        return response.json()
