"""``python -m tests.contract.serve <service> <port> <database url>``: one service's HTTP API
under uvicorn, without the bus (the contract is the API's; its events are tested elsewhere)."""

import importlib
import sys

import uvicorn

from tests.integration.platform import service_app, service_settings


def main() -> None:
    name, port, database_url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    importlib.import_module(f"crm_{name}")
    settings = service_settings(name, database_url=database_url, log_json=False)
    app = service_app(name, settings, run_bus=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
