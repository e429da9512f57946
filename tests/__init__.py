"""Cross-service tests: contracts, end to end, reliability, benchmarks
(``python -m tests.benchmarks``).


Shared fixtures live in ``tests/fixtures.py`` (a pytest plugin registered by the root
``conftest.py``, so services' own tests get them too); polling helpers in ``tests/helpers.py``.
"""
