"""Secrets a service makes for itself on a development machine when none is configured."""

import os
from collections.abc import Callable
from pathlib import Path


def generated_once(path: Path, generate: Callable[[], str]) -> str:
    """The value in ``path``, or a new one written there once, readable by its owner only."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    return value
