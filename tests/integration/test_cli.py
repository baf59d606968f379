"""The `codegen` command: helpful --help, migrations, accounts and keys from the terminal."""

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.models import ApiKey, User
from app.services.users import hash_api_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path, database_url):
    return {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url}


def invoke(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["up", "worker", "db", "create-user", "create-api-key", "INSTANCE_PATH"]),
        (["up"], ["--host", "--port", "--workers", "Ctrl-C"]),
        (["worker"], ["--burst", "--name"]),
        (["db", "upgrade"], ["REVISION"]),
        (["create-user"], ["--email", "--password", "--admin"]),
        (["create-api-key"], ["--email", "--name", "last line"]),
    ],
)
def test_every_command_explains_itself(args, expected):
    result = CliRunner().invoke(main, [*args, "--help"])

    assert result.exit_code == 0
    for text in expected:
        assert text in result.output


def test_worker_py_is_the_same_command():
    result = subprocess.run([sys.executable, "worker.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0
    assert "--burst" in result.stdout


def test_create_user_and_api_key(cli_env, database_url):
    assert invoke(cli_env, "db", "upgrade").exit_code == 0

    created = invoke(cli_env, "create-user", "--email", "Ada@Example.com", "--password", "correct horse",
                     "--admin")
    assert created.exit_code == 0
    assert "created admin ada@example.com" in created.output

    keyed = invoke(cli_env, "create-api-key", "--email", "ada@example.com", "--name", "ci")
    assert keyed.exit_code == 0
    plain = keyed.output.strip().splitlines()[-1]
    assert plain.startswith("cgs_") and len(plain) > 40

    from app import db

    db.configure(database_url)
    with db.Session() as session:
        user = session.scalar(select(User))
        key = session.scalar(select(ApiKey))
        assert user.role == "admin" and user.password_hash != "correct horse"
        assert key.key_hash == hash_api_key(plain) and plain not in (key.key_hash, key.prefix)
        assert plain.startswith(key.prefix)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create-user", "--email", "not-an-email", "--password", "long enough"], "is not a valid e-mail"),
        (["create-user", "--email", "a@b.io", "--password", "short"], "at least 8 characters"),
        (["create-api-key", "--email", "nobody@b.io"], "no user with e-mail nobody@b.io"),
    ],
)
def test_bad_account_input_is_named(cli_env, args, message):
    invoke(cli_env, "db", "upgrade")

    result = CliRunner().invoke(main, args, env=cli_env)

    assert result.exit_code == 1
    assert message in result.output


def test_duplicate_user_is_refused(cli_env):
    invoke(cli_env, "db", "upgrade")
    invoke(cli_env, "create-user", "--email", "a@b.io", "--password", "long enough")

    result = CliRunner().invoke(main, ["create-user", "--email", "A@b.io", "--password", "long enough"], env=cli_env)

    assert result.exit_code == 1
    assert "already exists" in result.output


def test_a_bad_setting_stops_the_command_with_its_name(cli_env):
    result = CliRunner().invoke(main, ["db", "upgrade"], env={**cli_env, "CODEGEN_PROVIDER": "bogus"})

    assert result.exit_code == 1
    assert "CODEGEN_PROVIDER must be one of" in result.output


def test_worker_without_redis_says_how_to_get_one(cli_env):
    result = CliRunner().invoke(main, ["worker", "--burst"], env=cli_env)

    assert result.exit_code == 1
    assert "codegen up" in result.output


def test_teams_from_the_terminal(cli_env, database_url):
    invoke(cli_env, "db", "upgrade")
    invoke(cli_env, "create-user", "--email", "a@b.io", "--password", "long enough")
    invoke(cli_env, "create-user", "--email", "c@d.io", "--password", "long enough")

    created = invoke(cli_env, "create-team", "--name", "Platform", "--member", "a@b.io")
    added = invoke(cli_env, "add-team-member", "--team", "Platform", "--email", "c@d.io")
    duplicate = CliRunner().invoke(main, ["create-team", "--name", "Platform"], env=cli_env)

    assert "created team 'Platform'" in created.output and "1 member" in created.output
    assert "c@d.io is a member of 'Platform'" in added.output
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    from app import db
    from app.services.teams import find_team

    db.configure(database_url)
    with db.Session() as session:
        assert sorted(u.email for u in find_team(session, "Platform").members) == ["a@b.io", "c@d.io"]


def test_generate_writes_a_project_from_the_terminal(cli_env, tmp_path):
    out = tmp_path / "todo-api"
    result = CliRunner().invoke(main, ["generate", "--template", "fastapi-backend", "--name", "todo-api",
                                       "--entity", "Task:title:str,done:bool,due:date?", "--feature", "auth",
                                       "--out", str(out), "--no-checks"], env=cli_env)

    assert result.exit_code == 0, result.output
    for agent in ("planner", "architect", "coder", "reviewer", "tester"):
        assert agent in result.output
    assert "completed" in result.output
    assert (out / "requirements.txt").exists() and (out / "app" / "main.py").exists()
    assert "due" in (out / "app" / "models.py").read_text()


def test_generate_without_a_feature_gives_none_of_them(cli_env, tmp_path):
    out = tmp_path / "plain"
    result = CliRunner().invoke(main, ["generate", "--template", "fastapi-backend", "--name", "plain",
                                       "--entity", "Task:title:str", "--out", str(out), "--no-checks"], env=cli_env)
    help_text = CliRunner().invoke(main, ["generate", "--help"]).output

    assert result.exit_code == 0, result.output
    assert "with features tests" in result.output
    written = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    assert not any(p.endswith(("security.py", "Dockerfile", "docker-compose.yml", "ci.yml")) for p in written)
    assert "none given means none" in " ".join(help_text.split())


@pytest.mark.parametrize(
    ("entity", "message"),
    [("Task", "expected Name:field:type"), ("Task:title:string", "has type 'string'")],
)
def test_generate_names_a_bad_entity(cli_env, tmp_path, entity, message):
    result = CliRunner().invoke(main, ["generate", "--template", "react-app", "--name", "x", "--entity", entity,
                                       "--out", str(tmp_path / "x")], env=cli_env)

    assert result.exit_code == 2
    assert message in result.output
