"""Project templates: the starters a person picks (React app, FastAPI backend, full-stack app).

Each template module builds a `ProjectTemplate` and registers it; `render(spec)` returns every file of
a working project customised by the spec, and `checks` tell the Tester how to verify it.

The template modules put together files rendered by `backend/` (the FastAPI back end) and `frontend/` (the React
front end), one module per part of the generated project; files that no spec changes are kept, as they are, in
`files/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.generation.registry import import_modules

from .spec import EntitySpec, FieldSpec, ProjectSpec


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # POSIX, relative to the project root
    content: str
    purpose: str
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """A part of the project the Tester verifies: `python` (requirements.txt + pytest) or `node` (npm build + test)."""

    kind: Literal["python", "node"]
    root: str = "."


@dataclass(frozen=True)
class ProjectTemplate:
    id: str
    name: str
    description: str
    category: Literal["frontend", "backend", "fullstack"]
    complexity: Literal["simple", "medium", "complex"]
    features: tuple[str, ...]
    languages: tuple[str, ...]
    frameworks: tuple[str, ...]
    render: Callable[[ProjectSpec], list[GeneratedFile]]
    checks: tuple[Check, ...]
    starter_entities: tuple[dict[str, Any], ...] = field(default=())
    order: int = 100  # place in the gallery and in lists

    def starter_spec(self) -> ProjectSpec:
        return ProjectSpec(template_id=self.id, name="my-project", entities=list(self.starter_entities),
                           features=list(self.features))

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "complexity": self.complexity,
            "features": list(self.features),
            "languages": list(self.languages),
            "frameworks": list(self.frameworks),
            "files": sorted(f.path for f in self.render(self.starter_spec())),
        }


_REGISTRY: dict[str, ProjectTemplate] = {}


def register(template: ProjectTemplate) -> ProjectTemplate:
    _REGISTRY[template.id] = template
    return template


def get_template(template_id: str) -> ProjectTemplate:
    _load()
    try:
        return _REGISTRY[template_id]
    except KeyError:
        raise KeyError(f"unknown project template {template_id!r}; choose one of {', '.join(_REGISTRY)}") from None


def all_templates() -> list[ProjectTemplate]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda template: (template.order, template.id))


def template_ids() -> tuple[str, ...]:
    return tuple(template.id for template in all_templates())


def _load() -> None:
    # Importing a template module registers it: adding a project template is adding a module to this package.
    import_modules(__name__)


__all__ = [
    "Check",
    "EntitySpec",
    "FieldSpec",
    "GeneratedFile",
    "ProjectSpec",
    "ProjectTemplate",
    "all_templates",
    "get_template",
    "register",
    "template_ids",
]
