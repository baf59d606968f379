"""Names and values people use give projects whose own checks pass, for real: each spec here broke a generated
project once (an import error, a 500, a failing test of its own), and a property test tries random legal names.

Every project is installed and checked in the sandbox, as the Tester does; one dependency cache serves the module.
"""

import shutil

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from app.generation.naming import NamingError
from app.generation.project_templates.spec import FIELD_TYPES, ProjectSpec
from app.generation.providers import make_provider
from app.generation.runner import new_context, run_context
from app.settings import load_settings
from tests.helpers import require


class Events(list):
    def __call__(self, **event):
        self.append(event)


@pytest.fixture(scope="module")
def env_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("envs")


def generate(template_id, entities, env_cache, tmp_path, *, name="names", features=("auth",)):
    settings_ = load_settings({"INSTANCE_PATH": str(tmp_path / "instance")}, dotenv=None)
    request = {"template_id": template_id, "name": name, "description": "", "entities": entities,
               "features": list(features), "options": {"run_checks": True}}
    ctx = new_context("test", request, make_provider("offline"), Events(), settings_)
    ctx.cache_dir = env_cache
    outcome = run_context(ctx)
    return ctx, outcome


def assert_checks_pass(ctx, outcome, spec=None):
    assert outcome.error is None, (spec, outcome.error, [c.output[-3000:] for c in ctx.checks])
    assert ctx.checks and all(c.ok and c.passed > 0 for c in ctx.checks), [c.output[-3000:] for c in ctx.checks]
    assert ctx.verified


def field(name, type_="str", required=True):
    return {"name": name, "type": type_, "required": required}


def require_node():
    require(bool(shutil.which("node") and shutil.which("npm")),
            "Node.js and npm are needed: apt-get install nodejs npm")


# Fields whose names a Python class body, Pydantic or SQLAlchemy takes: `date: date | None = None` made the back
# end unimportable, `sa` broke the models, `model_config` and `model_dump` the schemas.
SHADOWING = {"name": "Event Entry", "fields": [
    field("date", "date", False), field("datetime", "datetime", False), field("sa", "int"),
    field("model_config", "str", False), field("model_dump", "float", False), field("from"), field("class", "text"),
    field("type"), field("self", "bool"), field("str", "text", False), field("int", "int", False),
    field("metadata", "str", False), field("json", "str", False),
]}

# Values of the right JSON type the API cannot give back unchanged: NaN (a 500), Infinity (kept, then read back as
# null), whole numbers past 2^63 (a 500), a date-time's offset (dropped silently), a blank required text. The
# generated tests send each and expect 422.
EDGES = {"name": "Reading", "fields": [
    field("value", "float"), field("count", "int"), field("taken at", "datetime"), field("label"),
    field("notes", "text"), field("spare", "float", False),
]}


def test_fields_named_like_python_internals_give_a_working_back_end(env_cache, tmp_path):
    ctx, outcome = generate("fastapi-backend", [SHADOWING, EDGES], env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    (check,) = ctx.checks
    names = {case["name"] for case in check.cases}
    assert any("could_not_give_back_unchanged" in name and "nan" in name.lower() for name in names), sorted(names)
    assert 'from_: NonEmptyStr255 = Field(alias="from")' in ctx.files["app/schemas.py"]


def test_reserved_words_accented_and_taken_names_are_accepted(env_cache, tmp_path):
    entities = [
        {"name": "Class", "fields": [field("from"), field("größe", "float"), field("type", "str", False)]},
        {"name": "Café", "fields": [field("Crème brûlée", "text"), field("naïve", "bool")]},
        {"name": "User", "fields": [field("nickname")]},
        {"name": "Test", "fields": [field("title")]},
        {"name": "Query", "fields": [field("query")]},
        {"name": "None", "fields": [field("value", "int")]},
        {"name": "A", "fields": [field("b")]},
    ]

    ctx, outcome = generate("fastapi-backend", entities, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    readme = ctx.files["README.md"]
    assert "### Café" in readme and "| POST | `/api/cafes` |" in readme and "| `grosse` | float |" in readme
    assert "| POST | `/api/users` |" in readme and "| POST | `/api/auth/register` |" in readme


def test_plurals_are_english(env_cache, tmp_path):
    entities = [{"name": name, "fields": [field("title")]} for name in
                ("News", "Data", "Series", "Child", "Quiz", "Person")]

    ctx, outcome = generate("fastapi-backend", entities, env_cache, tmp_path, features=())

    assert_checks_pass(ctx, outcome)
    for path in ("news", "data", "series", "children", "quizzes", "people"):
        assert f"| GET | `/api/{path}` |" in ctx.files["README.md"]


@pytest.mark.node
def test_a_title_equal_to_a_page_name_and_accented_names_pass_the_front_end_tests(env_cache, tmp_path):
    require_node()
    entities = [{"name": "Café", "fields": [field("größe", "float"), field("from"), field("class", "int", False)]},
                {"name": "Date", "fields": [field("constructor name")]},
                {"name": "Recipe", "fields": [field("title"), field("date", "date", False)]}]

    ctx, outcome = generate("fullstack-app", entities, env_cache, tmp_path, name="Recipes")

    assert_checks_pass(ctx, outcome)
    assert '"Cafés"' in ctx.files["frontend/src/App.tsx"]


# Names a person might type: reserved words of Python, TypeScript and SQL, names the generated code uses, type
# names, accented and non-Latin letters, and spellings that collide once converted (the spec refuses those).
WORDS = ["class", "from", "type", "import", "None", "self", "id2", "sa", "date", "datetime", "model_config",
         "model dump", "metadata", "json", "str", "int", "float", "list", "status", "query", "session", "router",
         "Base", "Mapped", "User", "Test", "Response", "Promise", "App", "Record", "Event", "Café", "größe", "Ærø",
         "naïve", "日本 item", "crème brûlée", "due date", "dueDate", "news", "data", "person", "child", "quiz", "A",
         "Item", "constructor2", "value", "Input", "Page"]
names = st.one_of(st.sampled_from(WORDS), st.text(alphabet=st.characters(categories=["L", "Nd"]), min_size=1,
                                                  max_size=12))
fields = st.lists(st.fixed_dictionaries({"name": names, "type": st.sampled_from(FIELD_TYPES),
                                         "required": st.booleans()}), min_size=1, max_size=4)
specs = st.lists(st.fixed_dictionaries({"name": names, "fields": fields}), min_size=1, max_size=3)


def legal(template_id: str, entities: list[dict], features: list[str]) -> bool:
    try:
        ProjectSpec(template_id=template_id, name="random names", entities=entities, features=features)
    except (ValueError, NamingError):
        return False
    return True


# Bounded: each example installs nothing new (the cache) but runs a project's checks; no shrinking, which would run
# them again and again. A failure names its spec in the message.
BOUNDED = {"deadline": None, "phases": [Phase.explicit, Phase.reuse, Phase.generate],
           "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]}


@settings(max_examples=4, **BOUNDED)
@given(entities=specs, auth=st.booleans())
def test_random_legal_names_give_a_back_end_whose_checks_pass(env_cache, tmp_path_factory, entities, auth):
    features = ["auth"] if auth else []
    assume(legal("fastapi-backend", entities, features))
    ctx, outcome = generate("fastapi-backend", entities, env_cache, tmp_path_factory.mktemp("random"),
                            features=features)

    assert_checks_pass(ctx, outcome, entities)


@pytest.mark.node
@settings(max_examples=2, **BOUNDED)
@given(entities=specs)
def test_random_legal_names_give_a_full_stack_app_whose_checks_pass(env_cache, tmp_path_factory, entities):
    require_node()
    assume(legal("fullstack-app", entities, ["auth"]))
    ctx, outcome = generate("fullstack-app", entities, env_cache, tmp_path_factory.mktemp("random"))

    assert_checks_pass(ctx, outcome, entities)
