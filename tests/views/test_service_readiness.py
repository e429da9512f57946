"""/readyz tells the truth about a service's background work, not just its connections."""

import asyncio
from pathlib import Path

import httpx
from crm_sales.app import create_app
from crm_sales.settings import SalesSettings


async def test_a_stopped_background_worker_makes_the_service_not_ready(tmp_path: Path) -> None:
    app = create_app(
        SalesSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db"), run_bus=False
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sales") as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "workers": "ok"}

            workers = app.state.runtime._tasks
            for task in workers:
                task.cancel()  # as if it had crashed
            await asyncio.gather(*workers, return_exceptions=True)

            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["workers"].startswith("stopped: sales-housekeeping")
