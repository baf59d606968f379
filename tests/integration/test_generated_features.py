"""What a starter project needs, for real: relations between entities, records that belong to their owner, PATCH and
list totals, PostgreSQL URLs and Alembic migrations, each exercised by the generated project's own tests.

Every project is installed and checked in the sandbox, as the Tester does; one dependency cache serves the module.
"""

import json

import pytest

from app.generation.paths import write_tree
from app.generation.sandbox import run_checks
from tests.integration.test_generated_names import assert_checks_pass, field, generate, require_node

# A chain of required and optional relations: a task needs a project, a project may belong to a client.
ENTITIES = [
    {"name": "Task", "fields": [field("title"), field("project", "Project"), field("done", "bool"),
                                field("client", "Client", False)]},
    {"name": "Project", "fields": [field("name"), field("client", "Client", False)]},
    {"name": "Client", "fields": [field("name"), field("since", "date", False)]},
]


@pytest.fixture(scope="module")
def env_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("envs")


def case_names(ctx):
    return {case["name"] for check in ctx.checks for case in check.cases}


def assert_cases_ran(ctx, *expected):
    """Each of `expected` is (part of) the name of a test case the project's own checks ran."""
    names = case_names(ctx)
    for part in expected:
        assert any(part in name for name in names), (part, sorted(names))


def test_relations_ownership_patch_and_migrations_are_tested_by_the_back_end_itself(env_cache, tmp_path):
    ctx, outcome = generate("fastapi-backend", ENTITIES, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    assert_cases_ran(ctx, "test_the_list_filters_by_project_id",
                     "test_a_project_id_that_does_not_exist_is_422_naming_it",
                     "test_a_project_still_referred_to_by_project_id_cannot_be_deleted",
                     "test_a_project_id_of_another_user_is_422_as_if_missing",
                     "test_another_user_neither_sees_nor_changes_a_task", "test_an_admin_sees_and_changes_every_task",
                     "test_closed_registration_refuses_everyone_but_the_admins",
                     "test_patch_changes_only_the_fields_sent", "test_list_pages_with_limit_and_offset",
                     "test_the_migrations_build_the_tables_the_models_describe", "test_the_migrations_undo_cleanly",
                     "test_the_api_brings_its_database_up_to_date_at_startup",
                     "test_a_postgresql_url_uses_the_installed_psycopg_driver",
                     "test_an_unknown_email_costs_the_same_password_work_as_a_known_one",
                     "test_repeated_failed_sign_ins_for_one_email_are_answered_429",
                     "test_a_success_forgets_the_failures_and_the_window_passes")
    migration = ctx.files["app/migrations/versions/0001_initial.py"]
    # The tables are created parents first, whatever the spec's order.
    assert migration.index('"clients"') < migration.index('"projects"') < migration.index('"tasks"')
    assert 'sa.ForeignKeyConstraint(["project_id"], ["projects.id"])' in migration
    assert "psycopg[binary]" in ctx.files["requirements.txt"]


def test_without_auth_relations_patch_and_migrations_still_pass(env_cache, tmp_path):
    ctx, outcome = generate("fastapi-backend", ENTITIES, env_cache, tmp_path, features=("tests",))

    assert_checks_pass(ctx, outcome)
    assert ctx.spec.features == ["tests"]
    assert "owner" not in ctx.files["app/models.py"] and "app/security.py" not in ctx.files
    assert_cases_ran(ctx, "test_the_list_filters_by_client_id")


@pytest.mark.node
def test_a_full_stack_form_chooses_a_related_record_from_a_select(env_cache, tmp_path):
    require_node()

    ctx, outcome = generate("fullstack-app", ENTITIES, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    page_test = ctx.files["frontend/src/pages/TaskPage.test.tsx"]
    assert 'expect(describeControl("Project")).toEqual({ tag: "select"' in page_test
    assert 'expect(choiceTexts("Project")).toEqual(["\u2014", "Name 1", "Name 2"])' in page_test


@pytest.mark.node
def test_a_full_stack_app_checks_its_types_against_the_api_contract_on_both_sides(env_cache, tmp_path):
    require_node()

    ctx, outcome = generate("fullstack-app", ENTITIES, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    contract = json.loads(ctx.files["api-contract.json"])
    task = next(entity for entity in contract["entities"] if entity["name"] == "Task")
    assert task["fields"]["client_id"] == {"type": "integer", "format": None, "nullable": True}
    typed = [case for check in ctx.checks for case in check.cases
             if "declares the fields and types the API answers" in case["name"]]
    assert len(typed) == 3  # one Vitest case per entity
    assert_cases_ran(ctx, *(f"test_the_api_answers_the_fields_of_the_contract[{entity}]"
                            for entity in ("Task", "Project", "Client")))


# A tree (a category's parent category) and a record that may replace another of its kind, under an entity that
# refers to the tree: relations to their own entity, from the API to the select.
TREE = [
    {"name": "Item", "fields": [field("title"), field("category", "Category"), field("replaces", "Item", False)]},
    {"name": "Category", "fields": [field("name"), field("parent", "Category", False)]},
]


@pytest.mark.node
def test_a_relation_to_its_own_entity_works_on_both_sides_and_both_halves_lint_clean(env_cache, tmp_path):
    require_node()

    ctx, outcome = generate("fullstack-app", TREE, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    assert_cases_ran(ctx, "test_a_category_refers_to_another_category_by_parent_id",
                     "test_a_category_still_referred_to_by_another_category_cannot_be_deleted",
                     "test_a_category_cannot_come_under_itself_by_parent_id",
                     "test_a_item_refers_to_another_item_by_replaces_id",
                     "offers the saved categories as the parent of another",
                     "offers the saved items as the replaces of another",
                     "lint: ruff check", "lint: npm run lint")
    migration = ctx.files["backend/app/migrations/versions/0001_initial.py"]
    assert 'sa.ForeignKeyConstraint(["parent_id"], ["categories.id"])' in migration
    assert migration.index('"categories"') < migration.index('"items"')
    readme = ctx.files["README.md"]
    assert "Sign-in throttle" in readme and "API contract" in readme and "npm run lint" in readme


# A cycle a person types: a department's head is one of its employees. The head is optional, so a department is
# saved first and linked to its head once that employee exists.
CYCLE = [
    {"name": "Department", "fields": [field("name"), field("head", "Employee", False)]},
    {"name": "Employee", "fields": [field("name"), field("department", "Department"), field("started", "date")]},
]


def test_a_cycle_broken_by_an_optional_relation_is_tested_by_the_back_end_itself(env_cache, tmp_path):
    ctx, outcome = generate("fastapi-backend", CYCLE, env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    assert_cases_ran(ctx, "test_a_department_saved_first_is_linked_by_head_id_later_and_filtered_by_it",
                     "test_a_head_id_that_does_not_exist_is_422_naming_it",
                     "test_a_employee_still_referred_to_by_head_id_cannot_be_deleted",
                     "test_a_head_id_of_another_user_is_422_as_if_missing",
                     "test_the_list_filters_by_department_id",
                     "test_a_department_id_that_does_not_exist_is_422_naming_it",
                     "test_a_department_still_referred_to_by_department_id_cannot_be_deleted",
                     "test_the_migrations_build_the_tables_the_models_describe", "test_the_migrations_undo_cleanly")
    migration = ctx.files["app/migrations/versions/0001_initial.py"]
    assert migration.index('"departments"') < migration.index('"employees"')
    assert 'batch_op.create_foreign_key("fk_departments_head_id", "employees", ["head_id"], ["id"])' in migration
    assert 'use_alter=True, name="fk_departments_head_id"' in ctx.files["app/models.py"]


@pytest.mark.node
def test_a_cycle_broken_by_an_optional_relation_works_on_both_sides(env_cache, tmp_path):
    require_node()

    ctx, outcome = generate("fullstack-app", CYCLE[::-1], env_cache, tmp_path)

    assert_checks_pass(ctx, outcome)
    assert_cases_ran(ctx, "test_a_department_saved_first_is_linked_by_head_id_later_and_filtered_by_it",
                     "test_the_list_filters_by_department_id", "offers the saved employees as the head of a "
                     "department", "test_the_migrations_build_the_tables_the_models_describe")
    page_test = ctx.files["frontend/src/pages/EmployeePage.test.tsx"]
    assert 'expect(choiceTexts("Department")).toEqual(["\u2014", "Name 1", "Name 2"])' in page_test


def test_a_lint_finding_fails_the_check_as_ci_would(env_cache, tmp_path):
    ctx, outcome = generate("fastapi-backend", ENTITIES[2:], env_cache, tmp_path, features=("tests",))
    assert_checks_pass(ctx, outcome)
    files = {**ctx.files, "app/main.py": "import os\n" + ctx.files["app/main.py"]}  # an unused import
    project = tmp_path / "project"
    write_tree(project, {path: content.encode() for path, content in files.items()})

    (check,) = run_checks(project, ctx.template.checks, env_cache, log=lambda *_: None)

    assert not check.ok and check.failed == 1
    (lint,) = [case for case in check.cases if case["name"] == "lint: ruff check"]
    assert lint["outcome"] == "failed" and "F401" in lint["message"] and "app/main.py" in lint["message"]
