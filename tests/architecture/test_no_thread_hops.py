"""Every route and dependency is a coroutine function: FastAPI runs a plain ``def`` in its
thread pool, so each one costs a request a thread hop (two context switches and a wake-up of
the event loop) for what is usually a dictionary lookup. Blocking work belongs in a
repository's driver, not in a dependency."""

import inspect

from crm_shared.api.auth import api_routes
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant


def runs_on_the_loop(call: object) -> bool:
    target = call if inspect.isroutine(call) else type(call).__call__  # type: ignore[misc]
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def thread_pool_calls(dependant: Dependant, where: str) -> list[str]:
    found = []
    if dependant.call is not None and not runs_on_the_loop(dependant.call):
        found.append(f"{where}: {getattr(dependant.call, '__qualname__', dependant.call)}")
    for dependency in dependant.dependencies:
        found.extend(thread_pool_calls(dependency, where))
    return found


def test_no_route_or_dependency_runs_in_the_thread_pool(each_service_app: FastAPI) -> None:
    found = [
        call
        for route in api_routes(each_service_app)
        for call in thread_pool_calls(
            route.dependant, f"{sorted(route.methods or ())} {route.path}"
        )
    ]
    assert found == []
