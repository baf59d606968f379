"""Self-filling registries: importing every module of a package lets each one register what it defines."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache


@cache
def import_modules(package_name: str) -> None:
    """Import each module of `package_name` once, so that adding an agent, provider or template is adding a file."""
    package = importlib.import_module(package_name)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package_name}.{module.name}")
