"""``python -m crm_identity``: run the identity service (uvicorn, migrations applied at start)."""

from crm_shared.service import serve

from crm_identity.app import create_app
from crm_identity.settings import IdentitySettings


def main() -> None:
    serve(create_app, IdentitySettings())


if __name__ == "__main__":
    main()
