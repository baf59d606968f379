"""What a project may ask its installs for: packages by name and version from the registry, nothing else.

Installs run with the network on, so a requirements.txt line like `--no-binary x` (runs a setup.py),
`-r http://127.0.0.1:…` (fetches a host URL and echoes it back in pip's error) or `pkg @ https://…` would turn
the install step into code execution or request forgery; npm's `git+`, `file:` and URL specs likewise."""

from __future__ import annotations

import json
import re

from packaging.requirements import InvalidRequirement, Requirement

_NPM_SPEC = re.compile(r"^[\w.*^~<>=| -]+$")  # semver ranges, tags and versions; no ':' or '/'


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
