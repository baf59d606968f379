"""What a project may ask its installs for: packages by name and version from the registry, nothing else.

Installs run with the network on, so a requirements.txt line like `--no-binary x` (runs a setup.py),
`-r http://127.0.0.1:…` (fetches a host URL and echoes it back in pip's error) or `pkg @ https://…` would turn
the install step into code execution or request forgery; npm's `git+`, `file:` and URL specs likewise, and so would
a package-lock.json whose `resolved` URLs lead anywhere but the registry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement

_NPM_SPEC = re.compile(r"^[\w.*^~<>=| -]+$")  # semver ranges, tags and versions; no ':' or '/'
NPM_REGISTRY = "https://registry.npmjs.org/"


def requirements_problem(text: str) -> str | None:
    """Why requirements.txt may not be installed, or None when every line names a package and versions."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            return f"requirements.txt line {number}: pip options ({line.split()[0]}) are not allowed"
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            return f"requirements.txt line {number}: {exc}"
        if requirement.url:
            return f"requirements.txt line {number}: direct URLs are not allowed ({requirement.name})"
    return None


def package_json_problem(text: str) -> str | None:
    """Why package.json's dependencies may not be installed, or None when each is a registry version range."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return f"package.json is not valid JSON: {exc}"
    if not isinstance(data, dict):
        return "package.json is not a JSON object"
    for field in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        specs = data.get(field) or {}
        if not isinstance(specs, dict):
            return f"package.json {field} is not an object"
        for name, spec in specs.items():
            if not isinstance(spec, str) or not _NPM_SPEC.match(spec):
                return f"package.json {field}.{name}: {spec!r} is not a registry version range"
    return None


def package_lock_problem(text: str, registries: Iterable[str] = ()) -> str | None:
    """Why `npm ci` may not install from this package-lock.json, or None when it fetches from the registry only."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return f"package-lock.json is not valid JSON: {exc}"
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, dict):
        return "package-lock.json has no packages (lockfileVersion 2 or later)"
    allowed = tuple({NPM_REGISTRY, *(r.rstrip("/") + "/" for r in registries if r.startswith("https://"))})
    for path, entry in packages.items():
        if not isinstance(entry, dict):
            return f"package-lock.json packages.{path} is not an object"
        resolved = entry.get("resolved")
        if entry.get("link") or (resolved is not None and not (isinstance(resolved, str)
                                                               and resolved.startswith(allowed))):
            return f"package-lock.json packages.{path} is not from the registry ({str(resolved)[:100]})"
    return None
