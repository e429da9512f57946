"""``python -m crm_sales``: run the sales service (uvicorn, migrations applied at start)."""

from crm_shared.service import serve

from crm_sales.app import create_app
from crm_sales.settings import SalesSettings


def main() -> None:
    serve(create_app, SalesSettings())


if __name__ == "__main__":
    main()
