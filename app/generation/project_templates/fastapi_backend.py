"""The `fastapi-backend` project template: a FastAPI + SQLAlchemy 2 + Pydantic 2 API with CRUD routes per entity."""

from __future__ import annotations

from . import Check, GeneratedFile, ProjectTemplate, register
from .backend import accounts, application, data_layer, migrations, packaging, readme, routers, tests
from .backend.python_code import normal_prefix
from .spec import ProjectSpec


def render_backend(spec: ProjectSpec, api_prefix: str = "/api") -> list[GeneratedFile]:
    """Every file of the back end, with paths relative to its root (the project root, or `backend/`)."""
    prefix = normal_prefix(api_prefix)
    auth = spec.has("auth")
    files = [
        application.package(spec),
        application.config(auth),
        data_layer.DATABASE,
        data_layer.models(spec),
        data_layer.schemas(spec),
        *([accounts.SECURITY, accounts.LOGIN_THROTTLE, accounts.AUTH_ROUTER] if auth else []),
        routers.PACKAGE,
        routers.HEALTH_ROUTER,
        *(routers.entity_router(entity, spec) for entity in spec.entities),
        application.main(spec, prefix),
        migrations.ALEMBIC_INI,
        migrations.MIGRATE,
        migrations.ENV,
        migrations.SCRIPT_TEMPLATE,
        migrations.initial_migration(spec),
        *tests.suite(spec, prefix),
        migrations.migration_tests(spec),
        packaging.requirements(spec),
        packaging.PYTEST_INI,
        packaging.RUFF_TOML,
        packaging.GITIGNORE,
    ]
    if spec.has("docker"):
        files += [packaging.DOCKERFILE, packaging.DOCKERIGNORE]
    return files


def render(spec: ProjectSpec) -> list[GeneratedFile]:
    files = [*render_backend(spec), readme.readme(spec)]
    if spec.has("ci"):
        files.append(packaging.ci_workflow())
    return files


TEMPLATE = register(ProjectTemplate(
    id="fastapi-backend",
    order=2,
    name="FastAPI Backend",
    description="A REST API with FastAPI, SQLAlchemy 2 and Pydantic 2: CRUD routes for every entity, SQLite by "
                "default, optional JWT accounts, and a pytest suite that exercises every route.",
    category="backend",
    complexity="medium",
    features=("auth", "docker", "tests", "ci"),
    languages=("Python",),
    frameworks=("FastAPI", "SQLAlchemy", "Pydantic", "pytest"),
    render=render,
    checks=(Check("python", "."),),
    starter_entities=(
        {"name": "Task", "fields": [
            {"name": "title", "type": "str"},
            {"name": "done", "type": "bool"},
            {"name": "due", "type": "date", "required": False},
        ]},
    ),
))
