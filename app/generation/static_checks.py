"""The Reviewer's static checks: every file parses, imports resolve inside the project, paths stay inside it."""

from __future__ import annotations

import ast
import json
import posixpath
import re
import tomllib
from collections.abc import Iterable

import yaml

from app.generation.paths import UnsafePath, safe_relative_path

TS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs")
_TS_IMPORT = re.compile(r"""(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\s+['"](\.[^'"]+)['"]""")


def check_files(files: dict[str, str], python_roots: Iterable[str] = (".",)) -> list[tuple[str, str]]:
    """Return (path, problem) for every problem found; an empty list means every check passed."""
    problems: list[tuple[str, str]] = []
    modules = _python_modules(files, python_roots)
    for path, content in sorted(files.items()):
        try:
            if safe_relative_path(path) != path:
                problems.append((path, "path is not in normal form"))
        except UnsafePath as exc:
            problems.append((path, str(exc)))
            continue
        problems += [(path, problem) for problem in _check_one(path, content, files, modules)]
    return problems


def _check_one(path: str, content: str, files: dict[str, str], modules: dict[str, set[str]]) -> list[str]:
    suffix = posixpath.splitext(path)[1]
    try:
        if suffix == ".py":
            return _check_python(path, content, modules)
        if suffix == ".json" and not path.endswith("tsconfig.json"):
            json.loads(content)
        elif suffix == ".toml":
            tomllib.loads(content)
        elif suffix in (".yml", ".yaml"):
            list(yaml.safe_load_all(content))
        elif suffix in TS_EXTENSIONS:
            return _check_ts_imports(path, content, files)
    except (ValueError, yaml.YAMLError) as exc:
        return [f"does not parse as {suffix[1:].upper()}: {str(exc).splitlines()[0]}"]
    return []


def _python_modules(files: dict[str, str], roots: Iterable[str]) -> dict[str, set[str]]:
    """Per Python root folder, the dotted module names its files provide (packages included)."""
    result: dict[str, set[str]] = {}
    for root in roots:
        prefix = "" if root in ("", ".") else root.rstrip("/") + "/"
        names: set[str] = set()
        for path in files:
            if path.startswith(prefix) and path.endswith(".py"):
                parts = path[len(prefix):-3].split("/")
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                for i in range(1, len(parts) + 1):
                    names.add(".".join(parts[:i]))
        result[prefix] = names
    return result


def _check_python(path: str, content: str, modules: dict[str, set[str]]) -> list[str]:
    try:
        tree = ast.parse(content, filename=path)
        compile(tree, path, "exec")
    except SyntaxError as exc:
        return [f"Python syntax error at line {exc.lineno}: {exc.msg}"]
    prefix = max((p for p in modules if path.startswith(p)), key=len, default=None)
    if prefix is None:
        return []
    known = modules[prefix]
    local_tops = {name.split(".")[0] for name in known}
    package = path[len(prefix):-3].split("/")[:-1]
    problems = []
    for node in ast.walk(tree):
        for target in _imported_modules(node, package, known):
            if target.split(".")[0] in local_tops and target not in known:
                problems.append(f"imports {target}, which is not in the project (line {node.lineno})")
    return problems


def _imported_modules(node: ast.AST, package: list[str], known: set[str]) -> list[str]:
    """The dotted modules an import statement needs; relative imports are resolved against `package`."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if not node.level:
        return [node.module] if node.module else []
    base = package[: len(package) - (node.level - 1)]
    parent = ".".join([*base, node.module] if node.module else base)
    if node.module:
        return [parent]
    # `from . import a`: each name is a submodule, or else a name defined by the package itself.
    return [f"{parent}.{a.name}" if f"{parent}.{a.name}".lstrip(".") in known else parent for a in node.names]


def _check_ts_imports(path: str, content: str, files: dict[str, str]) -> list[str]:
    problems = []
    folder = posixpath.dirname(path)
    for match in _TS_IMPORT.finditer(content):
        spec = match.group(1) or match.group(2)
        # Vite's queries (`./notes.md?raw`, `./logo.svg?url`) name the same file.
        base = posixpath.normpath(posixpath.join(folder, spec.partition("?")[0]))
        candidates = [base, *(base + ext for ext in TS_EXTENSIONS),
                      *(f"{base}/index{ext}" for ext in TS_EXTENSIONS)]
        if base.startswith("..") or not any(c in files for c in candidates):
            problems.append(f"imports {spec!r}, which is not in the project")
    return problems
