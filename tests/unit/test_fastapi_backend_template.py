"""The fastapi-backend project template renders a complete, deterministic, importable project for any spec.

Installing the rendered project and running its own pytest suite is the Tester's job (and slow); these tests check
what can be known without a network: every file parses, imports stay inside the project, names are converted, the
features switch files on and off, and the sample values the generated tests send are valid for their schemas.
"""

import ast
import posixpath

import pytest

from app.generation.project_templates import fastapi_backend
from app.generation.project_templates.backend.python_code import (
    BLANK_VALUES,
    EDGE_VALUES,
    PYTHON_TYPES,
    py_string,
    sample_body,
)
from app.generation.project_templates.fastapi_backend import TEMPLATE, render, render_backend
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
        {"name": "Sort Order", "type": "int", "required": False},
        {"name": "label", "type": "str", "required": False},
        {"name": "review-date", "type": "date", "required": False},
    ]},
]


def make_spec(*features: str, description: str = "Tracks what is due.") -> ProjectSpec:
    return ProjectSpec(template_id="fastapi-backend", name="Due Tracker", description=description,
                       entities=ENTITIES, features=list(features))


# Names a class body, Pydantic or SQLAlchemy takes, reserved words, accents, and entities named like the code's own.
TAKEN_NAMES = [
    {"name": "Class", "fields": [
        {"name": "date", "type": "date", "required": False},
        {"name": "datetime", "type": "datetime", "required": False},
        {"name": "sa", "type": "int"}, {"name": "model_config", "type": "str", "required": False},
        {"name": "model_dump", "type": "float"}, {"name": "from", "type": "str"}, {"name": "metadata", "type": "text"},
        {"name": "größe", "type": "float", "required": False}, {"name": "str", "type": "text", "required": False},
    ]},
    {"name": "User", "fields": [{"name": "nickname", "type": "str"}]},
    {"name": "None", "fields": [{"name": "self", "type": "bool"}]},
    {"name": "Café", "fields": [{"name": "crème", "type": "str"}]},
    {"name": "A", "fields": [{"name": "json", "type": "int", "required": False}]},
]

SPECS = {
    "starter": TEMPLATE.starter_spec(),
    "all features": make_spec("auth", "docker", "ci"),
    "no auth": make_spec(),
    "taken names": ProjectSpec(template_id="fastapi-backend", name="School", entities=TAKEN_NAMES, features=["auth"]),
    "relations": ProjectSpec(template_id="fastapi-backend", name="Work", features=["auth"], entities=[
        {"name": "Task", "fields": [{"name": "title"}, {"name": "project", "type": "Project"},
                                    {"name": "from", "type": "Client", "required": False}]},
        {"name": "Project", "fields": [{"name": "name"}, {"name": "owner", "type": "Client", "required": False}]},
        {"name": "Client", "fields": [{"name": "name"}]},
    ]),
}


def as_dict(spec: ProjectSpec) -> dict[str, str]:
    return {f.path: f.content for f in render(spec)}


def test_the_spec_covers_every_field_type_required_and_optional():
    fields = [field for entity in ENTITIES for field in entity["fields"]]
    assert {field["type"] for field in fields} == set(FIELD_TYPES)
    assert {field.get("required", True) for field in fields} == {True, False}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_rendering_is_deterministic(spec):
    assert render(spec) == render(spec)


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_paths_are_relative_normal_and_unique_and_dependencies_exist(spec):
    files = render(spec)
    paths = [f.path for f in files]

    assert len(paths) == len(set(paths))
    for f in files:
        assert not f.path.startswith("/") and posixpath.normpath(f.path) == f.path and ".." not in f.path.split("/")
        assert f.purpose and "\n" not in f.purpose
        assert set(f.depends_on) <= set(paths) - {f.path}, f.path


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_every_python_file_compiles_and_imports_only_modules_that_exist(spec):
    files = as_dict(spec)
    modules = {path[:-3].replace("/", ".").removesuffix(".__init__") for path in files if path.endswith(".py")}

    for path, content in files.items():
        if not path.endswith(".py"):
            continue
        tree = ast.parse(content, filename=path)
        compile(tree, path, "exec")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "app":
                targets = [node.module] if node.module != "app" else [f"app.{a.name}" for a in node.names]
                assert set(targets) <= modules, (path, targets)


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_the_generated_tests_send_valid_samples_and_expect_422_for_invalid_ones(spec):
    namespace: dict = {}
    exec(compile(as_dict(spec)["app/schemas.py"], "app/schemas.py", "exec"), namespace)

    for entity in spec.entities:
        schema = namespace[f"{entity.class_name}In"]
        for variant in (0, 1):
            schema.model_validate(sample_body(spec, entity, variant))
        for field in entity.fields:
            with pytest.raises(ValueError, match=field.snake):
                schema.model_validate({**sample_body(spec, entity), field.snake: PYTHON_TYPES[field.kind].invalid})


def test_names_are_converted_for_modules_classes_columns_and_urls():
    files = as_dict(SPECS["all features"])

    assert "class DueItem(Base):" in files["app/models.py"]
    assert '__tablename__ = "due_items"' in files["app/models.py"]
    assert "    due_date: Mapped[date] = mapped_column(sa.Date)" in files["app/models.py"]
    assert "    remind_at: Mapped[datetime | None] = mapped_column(sa.DateTime)" in files["app/models.py"]
    assert "    title: NonEmptyStr255" in files["app/schemas.py"]
    assert "    label: Str255 | None = None" in files["app/schemas.py"]
    assert 'router = APIRouter(prefix="/due-items"' in files["app/routers/due_items.py"]
    assert 'URL = "/api/project-notes"' in files["tests/test_project_notes.py"]
    assert "| POST | `/api/due-items` |" in files["README.md"]
    assert "`estimate_hours` | float | no |" in files["README.md"]


def test_auth_adds_accounts_tokens_and_protected_routes():
    with_auth, without = as_dict(SPECS["all features"]), as_dict(SPECS["no auth"])

    assert {"app/security.py", "app/routers/auth.py", "tests/test_auth.py"} <= with_auth.keys()
    assert "pyjwt" in with_auth["requirements.txt"]
    assert "hashlib.pbkdf2_hmac" in with_auth["app/security.py"]
    assert "dependencies=[Depends(current_user)]" in with_auth["app/routers/due_items.py"]
    assert "def test_every_route_needs_a_token" in with_auth["tests/test_due_items.py"]

    assert not {"app/security.py", "app/routers/auth.py", "tests/test_auth.py"} & without.keys()
    assert "pyjwt" not in without["requirements.txt"]
    assert "current_user" not in without["app/routers/due_items.py"]
    assert "class User" not in without["app/models.py"]


def test_docker_and_ci_features_add_their_files():
    with_features, without = as_dict(SPECS["all features"]), as_dict(SPECS["no auth"])

    assert {"Dockerfile", ".dockerignore", ".github/workflows/ci.yml"} <= with_features.keys()
    assert not {"Dockerfile", ".dockerignore", ".github/workflows/ci.yml"} & without.keys()
    assert "run: pytest" in with_features[".github/workflows/ci.yml"]
    assert {"requirements.txt", "pytest.ini", ".gitignore", "README.md", "tests/conftest.py"} <= without.keys()


def test_the_readme_describes_the_project_and_how_to_run_it():
    readme = as_dict(make_spec(description="Keeps the team's deadlines in one place."))["README.md"]

    assert readme.startswith("# Due Tracker\n\nKeeps the team's deadlines in one place.\n")
    assert "uvicorn app.main:app" in readme
    assert "pytest" in readme


def test_render_backend_nests_under_any_prefix_without_project_level_files():
    files = {f.path: f.content for f in render_backend(SPECS["all features"], api_prefix="v1/")}

    assert "README.md" not in files and ".github/workflows/ci.yml" not in files
    assert 'API_PREFIX = "/v1"' in files["app/main.py"]
    assert 'assert anonymous_client.post("/v1/auth/register"' in files["tests/conftest.py"]
    assert 'URL = "/v1/due-items"' in files["tests/test_due_items.py"]


def test_the_starter_spec_is_a_small_task_list():
    spec = TEMPLATE.starter_spec()

    assert [entity.name for entity in spec.entities] == ["Task"]
    assert {f.name: f.type for f in spec.entities[0].fields} == {"title": "str", "done": "bool", "due": "date"}
    assert TEMPLATE.metadata()["files"] == sorted(f.path for f in render(spec))
    assert fastapi_backend.TEMPLATE.checks[0].kind == "python"


def test_an_entity_named_like_a_router_local_gets_a_neutral_variable():
    spec = ProjectSpec(template_id="fastapi-backend", name="odd", entities=[
        {"name": "Status", "fields": [{"name": "label", "type": "str"}]},
    ])

    router = as_dict(spec)["app/routers/statuses.py"]

    assert "item = models.Status(**status_in.model_dump())" in router
    assert "status.HTTP_404_NOT_FOUND" in router


@pytest.mark.parametrize("text", ["short", 'quotes " and \\ and \n newlines ' * 20, "word " * 300])
def test_long_strings_split_into_literals_that_join_back(text):
    literal = py_string(text, indent=8)

    assert ast.literal_eval(literal) == text
    assert all(len(line) <= 100 for line in literal.splitlines())


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_values_the_api_could_not_give_back_are_refused_and_tested(spec):
    files = as_dict(spec)
    namespace: dict = {}
    exec(compile(files["app/schemas.py"], "app/schemas.py", "exec"), namespace)

    for entity in spec.entities:
        schema, tests = namespace[f"{entity.class_name}In"], files[f"tests/test_{entity.module}.py"]
        for field in entity.fields:
            edges = EDGE_VALUES.get(field.kind, ()) + (BLANK_VALUES if field.required and field.type in ("str", "text")
                                                       else ())
            for edge in edges:
                with pytest.raises(ValueError, match=field.snake):
                    schema.model_validate({**sample_body(spec, entity), field.snake: eval(edge)})
                assert f"({field.snake!r}, {edge})".replace("'", '"') in tests


def test_taken_python_names_are_attributes_with_a_trailing_underscore_and_keep_their_json_and_column_names():
    files = as_dict(SPECS["taken names"])
    models, schemas = files["app/models.py"], files["app/schemas.py"]

    assert '    date_: Mapped[date | None] = mapped_column("date", sa.Date)' in models
    assert '    sa_: Mapped[int] = mapped_column("sa", sa.BigInteger)' in models
    assert '    date_: date | None = Field(default=None, alias="date")' in schemas
    assert '    model_config_: Str255 | None = Field(default=None, alias="model_config")' in schemas
    assert "    grosse: FiniteFloat | None = None" in schemas
    assert "class UserRecord(Base):" in models and '__tablename__ = "user_records"' in models
    assert "class NoneRecord(Base):" in models and '__tablename__ = "a_records"' in models
    assert 'router = APIRouter(prefix="/users"' in files["app/routers/user_records.py"]
    assert "item = models.Class(**class_in.model_dump(), owner_id=user.id)" in files["app/routers/classes.py"]
    assert "### Café" in files["README.md"] and "| POST | `/api/cafes` |" in files["README.md"]


def test_a_relation_is_a_foreign_key_checked_filtered_and_migrated_parents_first():
    files = as_dict(SPECS["relations"])
    models, schemas = files["app/models.py"], files["app/schemas.py"]

    assert '    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)' in models
    # A field named owner keeps owner_id: the record's owner (auth) takes the next free name.
    assert '    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)' in models
    assert 'owner_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id")' in models
    assert "    project_id: RecordId\n" in schemas and "class TaskPatch(BaseModel):" in schemas
    router = files["app/routers/tasks.py"]
    assert "project_id: Annotated[int | None, Query(ge=1" in router
    assert '"msg": f"Project {body.project_id} not found"' in router
    assert '@router.patch("/{task_id}"' in router and 'response.headers["X-Total-Count"]' in router
    assert "still has tasks: delete them first" in files["app/routers/projects.py"]
    migration = files["app/migrations/versions/0001_initial.py"]
    assert migration.index('"users"') < migration.index('"clients"') < migration.index('"projects"') < \
        migration.index('"tasks"')
    assert migration.index('op.drop_table("tasks")') < migration.index('op.drop_table("clients")')
    assert "REFERRED = [" in files["tests/test_tasks.py"] and "REFERRED" not in files["tests/test_clients.py"]
