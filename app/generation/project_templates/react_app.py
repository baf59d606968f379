"""The `react-app` project template: React, TypeScript, Tailwind CSS and Vitest, a page per entity."""

from __future__ import annotations

from . import Check, GeneratedFile, ProjectTemplate, register
from .frontend import accounts, api_client, build, packaging, page_tests, pages, readme, testing
from .spec import ProjectSpec


def render_frontend(spec: ProjectSpec, api_base: str | None = None) -> list[GeneratedFile]:
    """Every file of the front end, paths relative to its root; `api_base` None means no server (localStorage)."""
    auth = spec.has("auth")
    files = [
        build.package_json(spec),
        build.index_html(spec),
        build.vite_config(spec, api_base),
        build.TSCONFIG,
        build.ESLINT_CONFIG,
        build.VITE_ENV,
        build.INDEX_CSS,
        build.MAIN_TSX,
        pages.app_tsx(spec),
        pages.ROUTER_TS,
        api_client.http_ts(auth),
        api_client.client_ts(api_base),
        pages.FORMS_TS,
        pages.FIELD_INPUT_TSX,
        pages.RESOURCE_PAGE_TSX,
    ]
    if api_base is None:
        files.append(api_client.local_ts(spec))
    if auth:
        files += [accounts.session_ts(spec), accounts.auth_ts(api_base), accounts.login_page_tsx(api_base)]
    for entity in spec.entities:
        files += [api_client.entity_api(entity), pages.entity_page(entity, spec),
                  page_tests.entity_test(entity, spec, api_base)]
    files += [page_tests.app_test(spec, api_base), testing.http_test(spec.entities[0], auth), testing.SETUP_TS,
              testing.HELPERS_TS, testing.fake_api_ts(auth)]
    if auth:
        files.append(accounts.login_test(api_base))
    if spec.has("docker"):
        files += [packaging.DOCKERFILE, packaging.nginx_conf(spec, api_base), packaging.DOCKERIGNORE]
    files.append(build.GITIGNORE)
    return files


def render(spec: ProjectSpec) -> list[GeneratedFile]:
    files = [*render_frontend(spec), readme.readme(spec)]
    if spec.has("ci"):
        files.append(packaging.ci_workflow())
    return files


TEMPLATE = register(ProjectTemplate(
    id="react-app",
    order=1,
    name="React Application",
    description="Modern React app with TypeScript and Tailwind CSS",
    category="frontend",
    complexity="medium",
    features=("auth", "docker", "tests", "ci"),
    languages=("TypeScript",),
    frameworks=("React", "Vite", "Tailwind CSS", "Vitest"),
    render=render,
    checks=(Check("node", "."),),
    starter_entities=(
        {"name": "Task", "fields": [{"name": "title", "type": "str", "required": True},
                                    {"name": "done", "type": "bool", "required": True},
                                    {"name": "due", "type": "date", "required": False}]},
        {"name": "Note", "fields": [{"name": "title", "type": "str", "required": True},
                                    {"name": "body", "type": "text", "required": False}]},
    ),
))
