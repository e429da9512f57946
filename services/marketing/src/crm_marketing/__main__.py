"""``python -m crm_marketing``: run the marketing service (uvicorn, migrations applied at start)."""

from crm_shared.service import serve

from crm_marketing.app import create_app
from crm_marketing.settings import MarketingSettings


def main() -> None:
    serve(create_app, MarketingSettings())


if __name__ == "__main__":
    main()
