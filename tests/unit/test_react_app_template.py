"""The react-app project template renders a complete, deterministic React project for any spec.

Installing the rendered project and running `npm run build` and `npm test` is the Tester's job (and slow); these
tests check what can be known without npm: paths and dependencies, package.json, a page and a test per entity, the
input type of every field type, names converted, and features and the API base switching files on and off.
"""

import json
import posixpath
import re

import pytest

from app.generation.project_templates import Check
from app.generation.project_templates.frontend.testing import control
from app.generation.project_templates.frontend.typescript import ts_names
from app.generation.project_templates.react_app import TEMPLATE, render, render_frontend
from app.generation.project_templates.spec import FIELD_TYPES, ProjectSpec

ENTITIES = [
    {"name": "dueItem", "fields": [
        {"name": "Title", "type": "str"},
        {"name": "Due Date", "type": "date"},
        {"name": "notes", "type": "text", "required": False},
        {"name": "priority", "type": "int"},
        {"name": "estimate Hours", "type": "float", "required": False},
        {"name": "done", "type": "bool"},
        {"name": "remindAt", "type": "datetime", "required": False},
    ]},
    {"name": "Project Note", "fields": [
        {"name": "body", "type": "text"},
        {"name": "rating", "type": "float"},
        {"name": "pinned", "type": "bool", "required": False},
        {"name": "written At", "type": "datetime"},
        {"name": "label", "type": "str", "required": False},
    ]},
]
INPUTS = {"str": ("input", "text"), "text": ("textarea", None), "int": ("input", "number"),
          "float": ("input", "number"), "bool": ("input", "checkbox"), "date": ("input", "date"),
          "datetime": ("input", "datetime-local")}


def make_spec(*features: str) -> ProjectSpec:
    return ProjectSpec(template_id="react-app", name="Due Tracker", description="Tracks what is due.",
                       entities=ENTITIES, features=list(features))


RENDERINGS = {
    "starter": lambda: render(TEMPLATE.starter_spec()),
    "all features": lambda: render(make_spec("auth", "docker", "ci")),
    "no features": lambda: render(make_spec()),
    "full-stack front end": lambda: render_frontend(make_spec("auth", "docker"), api_base="/api"),
}


def as_dict(files) -> dict[str, str]:
    return {f.path: f.content for f in files}


def imports_of(content: str) -> list[str]:
    return re.findall(r'^(?:import|\} from) .*?"(\.{1,2}/[^"]+)";$', content, re.MULTILINE)


def test_the_spec_covers_every_field_type_required_and_optional():
    fields = [field for entity in ENTITIES for field in entity["fields"]]
    assert {field["type"] for field in fields} == set(FIELD_TYPES)
    assert {field.get("required", True) for field in fields} == {True, False}


@pytest.mark.parametrize("rendering", RENDERINGS.values(), ids=RENDERINGS.keys())
def test_rendering_is_deterministic(rendering):
    assert rendering() == rendering()


@pytest.mark.parametrize("rendering", RENDERINGS.values(), ids=RENDERINGS.keys())
def test_paths_are_relative_unique_and_dependencies_are_generated_files(rendering):
    files = rendering()
    paths = [f.path for f in files]
    assert len(paths) == len(set(paths))
    for f in files:
        assert not f.path.startswith("/") and "\\" not in f.path
        assert posixpath.normpath(f.path) == f.path and not f.path.startswith("..")
        assert f.purpose.strip() and "\n" not in f.purpose, f.path
        assert set(f.depends_on) <= set(paths), (f.path, set(f.depends_on) - set(paths))
    assert "package-lock.json" not in paths


@pytest.mark.parametrize("rendering", RENDERINGS.values(), ids=RENDERINGS.keys())
def test_every_relative_import_names_a_generated_file_listed_in_depends_on(rendering):
    files = rendering()
    paths = {f.path for f in files}
    checked = 0
    for f in files:
        if not f.path.endswith((".ts", ".tsx")):
            continue
        for target in imports_of(f.content):
            checked += 1
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(f.path), target))
            found = [p for p in (resolved, resolved + ".ts", resolved + ".tsx") if p in paths]
            assert found, (f.path, target)
            assert found[0] in f.depends_on, (f.path, found[0])
    assert checked >= 25  # the pattern really finds the imports

def test_package_json_has_the_scripts_and_pinned_tools():
    files = as_dict(render(make_spec("auth")))
    package = json.loads(files["package.json"])
    assert package["name"] == "due-tracker"
    assert package["scripts"]["build"] == "tsc --noEmit && vite build"
    assert package["scripts"]["test"] == "vitest run"
    assert package["scripts"]["dev"] == "vite"
    assert package["scripts"]["lint"] == "eslint . --max-warnings=0"
    assert package["scripts"]["typecheck"] == "tsc --noEmit"
    assert {"eslint", "@eslint/js", "typescript-eslint", "eslint-plugin-react-hooks"} <= set(package["devDependencies"])
    tools = package["dependencies"] | package["devDependencies"]
    assert {"react", "react-dom", "vite", "vitest", "jsdom", "tailwindcss", "@tailwindcss/vite", "typescript",
            "@testing-library/react"} <= set(tools)
    assert all(version.startswith("^") for version in tools.values())
    # Node 20 here: jsdom 30+ and Vitest 5 need Node 22.
    assert tools["jsdom"].startswith("^29.") and tools["vitest"].startswith("^4.")
    assert '@import "tailwindcss";' in files["src/index.css"]
    assert 'environment: "jsdom"' in files["vite.config.ts"] and "tailwindcss()" in files["vite.config.ts"]


def test_every_entity_has_an_api_module_a_page_a_test_and_a_route():
    spec = make_spec()
    files = as_dict(render(spec))
    for entity in spec.entities:
        names = ts_names(entity)
        api, page = files[names.api_path], files[names.page_path]
        assert f"export interface {names.input} {{" in api
        assert f'collection<{names.type}, {names.input}>("{entity.plural_kebab}")' in api
        for function in (names.list, names.get, names.create, names.update, names.delete):
            assert f"export function {function}(" in api
        assert f"export function {names.page}()" in page
        test = files[names.page_path.replace(".tsx", ".test.tsx")]
        assert f"render(<{names.page} />)" in test and "fillForm(SECOND_FORM)" in test
        route = f'path: "{entity.plural_kebab}", label: "{entity.plural_label}", Page: {names.page}'
        assert route in files["src/App.tsx"]


def test_names_are_converted_for_keys_labels_and_identifiers():
    files = as_dict(render(make_spec()))
    api = files["src/api/dueItems.ts"]
    assert "  due_date: string; // YYYY-MM-DD\n" in api
    assert "  estimate_hours: number | null;\n" in api
    assert "  remind_at: string | null; // ISO 8601" in api
    page = files["src/pages/DueItemPage.tsx"]
    assert '{ name: "due_date", label: "Due Date", kind: "date", required: true }' in page
    assert "    due_date: toText(values.due_date),\n" in page
    assert "    remind_at: toOptionalDateTime(values.remind_at),\n" in page
    assert "    estimate_hours: fromNumber(row.estimate_hours),\n" in page


@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_each_field_type_gets_its_input_and_the_generated_test_checks_it(field_type):
    spec = make_spec()
    files = as_dict(render(spec))
    for entity in spec.entities:
        test = files[ts_names(entity).page_path.replace(".tsx", ".test.tsx")]
        for field in (f for f in entity.fields if f.type == field_type):
            expected = control(field)
            assert (expected["tag"], expected["type"]) == INPUTS[field_type]
            assert expected["step"] == {"int": "1", "float": "any"}.get(field_type)
            assert expected["required"] == (field.required and field_type != "bool")
            line = f'expect(describeControl("{field.label}")).toEqual({{ tag: "{expected["tag"]}", '
            assert line in test
    field_input = files["src/components/FieldInput.tsx"]
    if field_type not in ("text", "bool"):
        assert f'{field_type}: "{INPUTS[field_type][1]}"' in field_input


def test_reserved_and_colliding_names_get_a_suffix():
    spec = ProjectSpec(template_id="react-app", name="names", entities=[
        {"name": name, "fields": [{"name": "title", "type": "str"}]} for name in ("Promise", "Login", "Task")])
    names = {entity.name: ts_names(entity) for entity in spec.entities}
    assert (names["Promise"].type, names["Promise"].page) == ("PromiseRecord", "PromiseRecordPage")
    assert names["Login"].page == "LoginRecordPage"  # the sign-in page is LoginPage
    assert (names["Task"].type, names["Task"].list) == ("Task", "listTasks")


def test_standalone_app_keeps_data_in_local_storage_unless_an_api_url_is_set():
    files = as_dict(render(make_spec("auth")))
    assert "src/api/local.ts" in files
    assert '|| null;' in files["src/api/client.ts"] and "localCollection" in files["src/api/client.ts"]
    assert "proxy" not in files["vite.config.ts"]
    assert "if (API_URL === null) {" in files["src/api/auth.ts"]
    assert "any well-formed email and\npassword open a local session" in files["README.md"]


def test_full_stack_front_end_talks_to_the_api_base():
    files = as_dict(render_frontend(make_spec("auth", "docker"), api_base="/api/"))
    assert "src/api/local.ts" not in files and "README.md" not in files
    assert 'import.meta.env.VITE_API_URL?.replace(/\\/+$/, "") || "/api";' in files["src/api/client.ts"]
    assert '"/api": "http://localhost:8000"' in files["vite.config.ts"]
    assert "location /api/ {\n        proxy_pass http://backend:8000;" in files["nginx.conf"]
    assert '"/auth/token"' in files["src/api/auth.ts"] and '"/auth/register"' in files["src/api/auth.ts"]
    assert "headers.Authorization = `Bearer ${token}`" in files["src/api/http.ts"]
    assert "fakeApi(API_URL)" in files["src/pages/DueItemPage.test.tsx"]


@pytest.mark.parametrize(("features", "present", "absent"), [
    ((), {".gitignore"}, {"Dockerfile", "nginx.conf", ".dockerignore", ".github/workflows/ci.yml",
                          "src/pages/LoginPage.tsx", "src/api/session.ts", "src/api/auth.ts"}),
    (("docker",), {"Dockerfile", "nginx.conf", ".dockerignore"}, {".github/workflows/ci.yml"}),
    (("ci",), {".github/workflows/ci.yml"}, {"Dockerfile"}),
    (("auth",), {"src/pages/LoginPage.tsx", "src/pages/LoginPage.test.tsx", "src/api/session.ts", "src/api/auth.ts"},
     {"Dockerfile"}),
])
def test_features_switch_files_on_and_off(features, present, absent):
    paths = set(as_dict(render(make_spec(*features))))
    assert present <= paths
    assert not absent & paths


def test_the_template_is_registered_with_a_node_check_and_lists_its_files():
    assert TEMPLATE.id == "react-app" and TEMPLATE.category == "frontend"
    assert TEMPLATE.checks == (Check("node", "."),)
    metadata = TEMPLATE.metadata()
    assert {"package.json", "src/App.tsx", "src/pages/TaskPage.tsx", "src/pages/TaskPage.test.tsx"} <= set(
        metadata["files"])


def test_ci_workflow_installs_lints_type_checks_tests_and_builds():
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(as_dict(render(make_spec("ci")))[".github/workflows/ci.yml"])
    steps = [step.get("run") for job in workflow["jobs"].values() for step in job["steps"]]
    assert steps[-5:] == ["npm install --no-audit --no-fund", "npm run lint", "npm run typecheck", "npm test",
                          "npm run build"]


def test_the_app_test_clicks_the_navigation_link_even_when_the_title_has_the_same_name():
    spec = ProjectSpec(template_id="react-app", name="Recipes", entities=[
        {"name": "Ingredient", "fields": [{"name": "name"}]}, {"name": "Recipe", "fields": [{"name": "title"}]}])

    app_test = as_dict(render(spec))["src/App.test.tsx"]

    assert 'fireEvent.click(within(nav).getByRole("link", { name: "Recipes" }));' in app_test
    assert 'screen.getByRole("link", { name: "Recipes" })' not in app_test


def test_accented_names_are_written_as_typed_where_people_read_them():
    spec = ProjectSpec(template_id="react-app", name="menu", entities=[
        {"name": "Café", "fields": [{"name": "größe", "type": "float"}, {"name": "from"}]}])

    files = as_dict(render(spec))

    assert 'singular="Café"' in files["src/pages/CafePage.tsx"]  # a JSX attribute reads no \u escapes
    assert '{ name: "grosse", label: "Größe", kind: "float", required: true }' in files["src/pages/CafePage.tsx"]
    assert "    from: toText(values.from),\n" in files["src/pages/CafePage.tsx"]
    assert 'label: "Cafés"' in files["src/App.tsx"] and 'path: "cafes"' in files["src/App.tsx"]
