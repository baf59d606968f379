"""The generated Alembic set-up: alembic.ini, app/migrate.py, app/migrations/ with the first migration written
from the spec, and the test that the migrations build exactly the tables app/models.py describes."""

from __future__ import annotations

from .. import GeneratedFile
from ..relation_order import ordered_entities
from ..spec import EntitySpec, ProjectSpec
from ..verbatim import verbatim
from .python_code import PYTHON_TYPES, fill, foreign_key_name, owner_column, py_literal
from .routers import relations

ALEMBIC_INI = verbatim("backend", "alembic.ini", "Alembic's command line settings: `alembic upgrade head`, "
                       "`alembic revision --autogenerate`", ("app/migrations/env.py",))
MIGRATE = verbatim("backend", "app/migrate.py", "Runs the Alembic migrations (at startup and in the tests) "
                   "without alembic.ini", ("app/migrations/env.py",))
ENV = verbatim("backend", "app/migrations/env.py", "Alembic's environment: the models' metadata and the "
               "database from DATABASE_URL or a given connection", ("app/config.py", "app/models.py"))
SCRIPT_TEMPLATE = verbatim("backend", "app/migrations/script.py.mako", "The template of new migration files")


def _table(name: str, columns: list[str], constraints: list[str]) -> str:
    return (f"    op.create_table(\n        {py_literal(name)},\n"
            + "".join(f"        {item},\n" for item in [*columns, *constraints]) + "    )\n")


def _column(name: str, type_: str, nullable: bool) -> str:
    return f"sa.Column({py_literal(name)}, {type_}, nullable={nullable})"


def _entity_table(spec: ProjectSpec, entity: EntitySpec) -> tuple[str, list[str]]:
    """The entity's create_table call, and the names of the columns that have an index (the relations')."""
    targets = {field.snake: target for field, target in relations(spec, entity)}
    columns = [_column("id", "sa.Integer()", False)]
    constraints = ['sa.PrimaryKeyConstraint("id")']
    indexed = []
    for field in entity.fields:
        columns.append(_column(field.snake, PYTHON_TYPES[field.kind].column, not field.required))
        if field.snake in targets and not spec.is_deferred(entity, field):
            constraints.append(f'sa.ForeignKeyConstraint([{py_literal(field.snake)}], '
                               f'[{py_literal(targets[field.snake].module + ".id")}])')
        if field.snake in targets:
            indexed.append(field.snake)
    if spec.has("auth"):
        owner = owner_column(entity)
        columns.append(_column(owner, "sa.Integer()", False))
        constraints.append(f'sa.ForeignKeyConstraint([{py_literal(owner)}], ["users.id"])')
        indexed.append(owner)
    return _table(entity.module, columns, constraints), indexed


def initial_migration(spec: ProjectSpec) -> GeneratedFile:
    ups, downs = [], []
    if spec.has("auth"):
        ups.append(_table("users", [_column("id", "sa.Integer()", False), _column("email", "sa.String(255)", False),
                                    _column("password_hash", "sa.String(255)", False),
                                    _column("is_admin", "sa.Boolean()", False)],
                          ['sa.PrimaryKeyConstraint("id")', 'sa.UniqueConstraint("email")']))
        downs.append('    op.drop_table("users")\n')
    for entity in ordered_entities(spec.entities):
        table, indexed = _entity_table(spec, entity)
        ups.append(table + "".join(
            f'    op.create_index(op.f("ix_{entity.module}_{column}"), {py_literal(entity.module)}, '
            f"[{py_literal(column)}])\n" for column in indexed))
        downs.append("".join(f'    op.drop_index(op.f("ix_{entity.module}_{column}"), '
                             f"table_name={py_literal(entity.module)})\n" for column in indexed)
                     + f"    op.drop_table({py_literal(entity.module)})\n")
    # A relation that closes a cycle gets its foreign key once both tables exist; SQLite alters a table's
    # constraints only by copying it, which batch mode does.
    links, unlinks = [], []
    for entity in spec.entities:
        for field, target in relations(spec, entity):
            if spec.is_deferred(entity, field):
                name = py_literal(foreign_key_name(entity, field))
                links.append(f"    with op.batch_alter_table({py_literal(entity.module)}) as batch_op:\n"
                             f"        batch_op.create_foreign_key({name}, {py_literal(target.module)}, "
                             f"[{py_literal(field.snake)}], [\"id\"])\n")
                unlinks.append(f"    with op.batch_alter_table({py_literal(entity.module)}) as batch_op:\n"
                               f"        batch_op.drop_constraint({name}, type_=\"foreignkey\")\n")
    ups += links
    tables = (["users"] if spec.has("auth") else []) + [e.module for e in ordered_entities(spec.entities)]
    content = fill("""
        \"\"\"The first tables: $tables.

        Revision ID: 0001
        Revises:
        \"\"\"

        import sqlalchemy as sa
        from alembic import op

        revision = "0001"
        down_revision = None
        branch_labels = None
        depends_on = None


        def upgrade() -> None:
        $ups


        def downgrade() -> None:
        $downs""", tables=", ".join(tables), ups="\n".join(ups).rstrip("\n"),
        downs="".join(unlinks) + "".join(reversed(downs)))
    return GeneratedFile("app/migrations/versions/0001_initial.py", content,
                         "The first migration: every table of the spec, as app/models.py describes them",
                         ("app/migrations/env.py",))


def migration_tests(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    content = fill(_TESTS, imports="import dataclasses\n\n" if auth else "",
                   settings=("dataclasses.replace(config.settings, database_url=url, development=True)" if auth
                             else "dataclasses.replace(config.settings, database_url=url)"))
    if not auth:
        content = content.replace("import pytest\n", "import dataclasses\n\nimport pytest\n", 1)
    return GeneratedFile("tests/test_migrations.py", content, "Tests that the migrations build the tables the "
                         "models describe, undo cleanly, and run at startup",
                         ("app/migrate.py", "app/migrations/versions/0001_initial.py", "app/models.py"))


_TESTS = """
\"\"\"The migrations build exactly the tables app/models.py describes, undo cleanly, and run at startup.\"\"\"

${imports}import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from app import config, models
from app.main import app
from app.migrate import alembic_config


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    yield engine
    engine.dispose()


def migrate(engine, step, revision):
    with engine.begin() as connection:
        step(alembic_config(connection), revision)


def test_the_migrations_build_the_tables_the_models_describe(engine):
    migrate(engine, command.upgrade, "head")

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)

    assert differences == []
    assert set(inspect(engine).get_table_names()) == {"alembic_version", *models.Base.metadata.tables}


def test_the_migrations_undo_cleanly(engine):
    migrate(engine, command.upgrade, "head")
    migrate(engine, command.downgrade, "base")

    assert inspect(engine).get_table_names() == ["alembic_version"]


def test_the_api_brings_its_database_up_to_date_at_startup(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'started.db'}"
    monkeypatch.setattr(config, "settings", $settings)

    with TestClient(app):
        pass

    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version", *models.Base.metadata.tables}
    finally:
        engine.dispose()
"""
