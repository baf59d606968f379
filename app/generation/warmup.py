"""Warming the dependency environments of every project template, so that the first job of a new instance finds
them ready instead of waiting for pip and npm (`codegen up` runs this in the background at start)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from app.generation.project_templates import ProjectSpec, ProjectTemplate, all_templates
from app.generation.sandbox import DependencyCache, choose_isolation

Log = Callable[[str], None]


def _file(files: dict[str, str], root: str, name: str) -> str | None:
    return files.get(name if root in (".", "") else f"{root.strip('/')}/{name}")


def dependency_sets(template: ProjectTemplate) -> Iterator[tuple[str, str, str | None]]:
    """(kind, manifest, lock file) of each check, for the template's starter project with every feature and with
    none (features add dependencies: `auth` adds a JWT library)."""
    specs = [template.starter_spec(), ProjectSpec(template_id=template.id, name=template.starter_spec().name,
                                                  entities=list(template.starter_entities), features=[])]
    seen: set[tuple[str, str, str | None]] = set()
    for spec in specs:
        files = {f.path: f.content for f in template.render(spec)}
        for check in template.checks:
            manifest = _file(files, check.root, "requirements.txt" if check.kind == "python" else "package.json")
            lock = _file(files, check.root, "package-lock.json") if check.kind == "node" else None
            entry = (check.kind, manifest, lock)
            if manifest is not None and entry not in seen:
                seen.add(entry)
                yield entry


def warm_environments(cache_dir: Path, log: Log = lambda _message: None) -> int:
    """Build every missing environment (Python first: they are what a first job waits for most); returns how many
    were ready or built. Failures are logged and skipped: a job then installs as it would have anyway."""
    isolation = choose_isolation(model_written=False, allow_unisolated=False)
    cache = DependencyCache(cache_dir, isolated=isolation.isolated)
    sets: dict[tuple[str, str, str | None], list[str]] = {}
    for template in all_templates():
        for entry in dependency_sets(template):
            sets.setdefault(entry, []).append(template.id)
    ready = 0
    for (kind, manifest, lock), template_ids in sorted(sets.items(), key=lambda item: item[0][0] != "python"):
        template_id = ", ".join(dict.fromkeys(template_ids))
        if kind == "node" and not (shutil.which("node") and shutil.which("npm")):
            continue
        log(f"preparing a {kind} environment for {template_id}")
        try:
            env, result = cache.python_env(manifest) if kind == "python" else cache.node_modules(manifest, lock)
        except (OSError, RuntimeError) as exc:
            log(f"could not prepare a {kind} environment for {template_id}: {exc}")
            continue
        if env is None:
            log(f"could not prepare a {kind} environment for {template_id}: {(result.output if result else '')[-500:]}")
        else:
            ready += 1
    return ready
