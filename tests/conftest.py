"""Cross-service tests. The shared fixtures come from ``tests/fixtures.py``, which the
repository's root ``conftest.py`` registers for every test directory."""
