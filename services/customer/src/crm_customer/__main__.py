from crm_shared.service import serve

from crm_customer.app import create_app
from crm_customer.settings import CustomerSettings


def main() -> None:
    serve(create_app, CustomerSettings())


if __name__ == "__main__":
    main()
