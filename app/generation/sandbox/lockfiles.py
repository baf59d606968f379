"""The dependency versions a check passed with, as lockfiles the project keeps: requirements.lock, package-lock.json.

A venv's versions are read on the host from its site-packages metadata (importlib.metadata reads files; no code
of the environment runs). A node environment installed without a lock file keeps the package-lock.json npm wrote.
An inherited package-lock.json whose root dependencies differ from package.json's (a later round changed
package.json) would make `npm ci` fail "not in sync": the check installs from package.json and records a new one."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from app.generation.sandbox.isolation import read_output

REQUIREMENTS_LOCK = "requirements.lock"
PACKAGE_LOCK = "package-lock.json"
LOCK_LIMIT = 16 * 2**20
# Left out as `pip freeze` leaves them out: the venv's own installer tooling, not the project's dependencies.
INSTALLER_TOOLING = frozenset({"pip", "setuptools", "wheel", "distribute"})
# The fields `npm ci` compares between package.json and the lock file's root package.
_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def pinned_requirements(env_dir: Path) -> str | None:
    """`name==version` of every distribution in the venv, sorted, under a line naming the Python it ran on."""
    pins: dict[str, str] = {}
    sites = sorted(env_dir.glob("lib/python3*/site-packages"))
    for site in sites:
        for dist in importlib.metadata.distributions(path=[str(site)]):
            name, version = dist.metadata["Name"] or "", dist.version or ""
            if not _NAME.match(name) or canonicalize_name(name) in INSTALLER_TOOLING:
                continue
            try:
                Version(version)
            except InvalidVersion:
                continue
            pins[canonicalize_name(name)] = f"{name}=={version}"
    if not pins:
        return None
    python = sites[0].parent.name.removeprefix("python")
    header = f"# The versions this project's checks passed with, on Python {python}: pip install -r {REQUIREMENTS_LOCK}"
    return "\n".join([header, *(pins[key] for key in sorted(pins))]) + "\n"


def recorded_package_lock(deps_dir: Path) -> str | None:
    """The package-lock.json npm wrote while installing this environment (a link or anything odd is ignored)."""
    data = read_output(deps_dir, PACKAGE_LOCK, limit=LOCK_LIMIT + 1)
    if data is None or len(data) > LOCK_LIMIT:
        return None
    return data.decode(errors="replace")


def package_lock_matches(package_json: str, lockfile: str) -> bool:
    """Whether the lock file's root package asks for exactly package.json's dependencies, as `npm ci` requires."""
    try:
        package, lock = json.loads(package_json), json.loads(lockfile)
    except ValueError:
        return False
    packages = lock.get("packages") if isinstance(lock, dict) else None
    root = packages.get("") if isinstance(packages, dict) else None
    if not isinstance(package, dict) or not isinstance(root, dict):
        return False  # lockfileVersion 1 has no root package: npm ci would rewrite it
    return all((root.get(field) or {}) == (package.get(field) or {}) for field in _DEPENDENCY_FIELDS)
