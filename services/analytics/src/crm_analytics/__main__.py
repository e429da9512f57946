"""``python -m crm_analytics``: run the analytics service (uvicorn, migrations applied at start)."""

from crm_shared.service import serve

from crm_analytics.app import create_app
from crm_analytics.settings import AnalyticsSettings


def main() -> None:
    serve(create_app, AnalyticsSettings())


if __name__ == "__main__":
    main()
