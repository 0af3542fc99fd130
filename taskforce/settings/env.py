"""Reading configuration from the environment, with `NAME_FILE` for secrets."""

import os
from pathlib import Path

import environ

env = environ.Env()


def secret(name: str, default: str | None = None) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)
