"""``python -m crm_support``: run the support service (uvicorn, migrations applied at start)."""

from crm_shared.service import serve

from crm_support.app import create_app
from crm_support.settings import SupportSettings


def main() -> None:
    serve(create_app, SupportSettings())


if __name__ == "__main__":
    main()
