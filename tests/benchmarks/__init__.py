"""Benchmarks of the CRM platform: ``python -m tests.benchmarks`` (or ``./crm bench``).

Every figure is measured against a baseline measured in the same run on the same machine:

- ``create_rate``: create-customer requests/s through the customer service vs a bare FastAPI
  endpoint doing one INSERT (``baseline_app``), on SQLite and PostgreSQL;
- ``profile_latency``: write -> analytics profile latency vs the raw broker round trip;
- ``catchup``: analytics projection catch-up from a backlog vs a raw aiokafka consumer;
- ``memory``: resident memory of each idle service vs a bare uvicorn process;
- ``bulk_import`` (``--only import``): CSV import rows/s vs the same rows bulk-inserted bare,
  and each view's convergence on the imported customers vs a raw consumer of their events.

Everything it needs (broker, services, databases) is started here and cleaned up at the end.
Nothing in this package is a pytest test: no module is named ``test_*.py``.
"""
