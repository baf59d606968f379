"""The `codegen` command: start the service, run workers, migrate, and manage accounts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.settings import Settings, SettingsError, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Codegen Studio: multi-agent code generation with a live web dashboard.

    Configuration comes from the environment and a `.env` file: INSTANCE_PATH, DATABASE_URL,
    REDIS_URL (unset: an embedded Redis), OPENAI_API_KEY, OPENAI_BASE_URL, CODEGEN_PROVIDER,
    CODEGEN_MODEL, HOST, PORT, CODEGEN_WORKERS, RATE_LIMIT_JOBS, REGISTRATION_OPEN,
    CODEGEN_UNISOLATED_CHECKS.
    """


@main.command()
@click.option("--host", help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default: PORT or 5000).")
@click.option("--workers", type=click.IntRange(1, 64), help="RQ workers to run (default: CODEGEN_WORKERS or 2).")
@click.option("--web-workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="gunicorn worker processes.")
@click.option("--worker-class", type=click.Choice(["gevent", "gthread"]), default="gevent", show_default=True,
              help="gunicorn worker class; gevent holds WebSockets cheaply (docs/benchmarks.md).")
def up(host: str | None, port: int | None, workers: int | None, web_workers: int, worker_class: str) -> None:
    """Start everything: migrations, embedded Redis (unless REDIS_URL), RQ workers and the web server.

    Ctrl-C stops every child process. The first start creates an admin account and prints its password.
    """
    from app.ops.supervisor import Supervisor

    settings = _settings()
    settings = settings.with_overrides(host=host or settings.host, port=port or settings.port,
                                       workers=workers or settings.workers)
    sys.exit(Supervisor(settings, web_workers=web_workers, worker_class=worker_class).run())


@main.command()
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@click.option("--name", help="Worker name shown in /admin/workers.")
def worker(burst: bool, name: str | None) -> None:
    """Run one RQ worker for generation jobs (the same as `python worker.py`)."""
    from app.worker.rq_worker import run_worker

    settings = _settings()
    _require_redis(settings)
    run_worker(settings, burst=burst, name=name)


@main.command("warm-envs")
def warm_envs() -> None:
    """Prepare the dependency environments of every project template (`codegen up` runs this at start)."""
    from app.generation.warmup import warm_environments

    settings = _settings()
    ready = warm_environments(settings.instance_path / "cache" / "envs", log=lambda message: click.echo(message))
    click.echo(f"{ready} dependency environment(s) ready")


def _require_redis(settings: Settings) -> None:
    import redis

    try:
        redis.Redis.from_url(settings.effective_redis_url, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        hint = "start the service with `codegen up`" if settings.embedded_redis else "check REDIS_URL"
        raise click.ClickException(f"Redis does not answer at {settings.effective_redis_url}: {hint} ({exc})") from exc


@main.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app.ops.migrate import upgrade

    settings = _settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, revision)
    click.echo(f"database at {_redact(settings.database_url)} is at {revision}")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from app.ops.migrate import revision

    revision(_settings().database_url, message)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("create-user")
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--admin", is_flag=True, help="Give the user the admin role.")
def create_user_command(email: str, password: str, admin: bool) -> None:
    """Create a user account."""
    from app import db
    from app.services.users import UserError, create_user

    db.configure(_settings().database_url)
    try:
        with db.Session.begin() as session:
            user = create_user(session, email, password, role="admin" if admin else "user")
            click.echo(f"created {user.role} {user.email} (id {user.id})")
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("create-api-key")
@click.option("--email", required=True, help="The user who owns the key.")
@click.option("--name", default="cli", show_default=True, help="A label to tell keys apart.")
def create_api_key_command(email: str, name: str) -> None:
    """Create an API key for a user and print it (as the last line). It is shown only once."""
    from app import db
    from app.services.users import create_api_key, find_user

    db.configure(_settings().database_url)
    with db.Session.begin() as session:
        user = find_user(session, email)
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
        key, plain = create_api_key(session, user, name)
        click.echo(f"created API key {key.name!r} ({key.prefix}…) for {user.email}; it will not be shown again:")
        click.echo(plain)


@main.command("create-team")
@click.option("--name", required=True, help="The team's name.")
@click.option("--member", "members", multiple=True, metavar="EMAIL", help="A member's e-mail. Repeatable.")
def create_team_command(name: str, members: tuple[str, ...]) -> None:
    """Create a team; jobs submitted to it are visible to every member."""
    from app import db
    from app.services.teams import TeamError, add_member, create_team
    from app.services.users import find_user

    db.configure(_settings().database_url)
    try:
        with db.Session.begin() as session:
            team = create_team(session, name)
            for email in members:
                user = find_user(session, email)
                if user is None:
                    raise TeamError(f"no user with e-mail {email}")
                add_member(team, user)
            click.echo(f"created team {team.name!r} (id {team.id}) with {len(team.members)} member(s)")
    except TeamError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("add-team-member")
@click.option("--team", "team_name", required=True, help="The team's name.")
@click.option("--email", required=True, help="The user to add.")
def add_team_member_command(team_name: str, email: str) -> None:
    """Add a user to a team."""
    from app import db
    from app.services.teams import add_member, find_team
    from app.services.users import find_user

    db.configure(_settings().database_url)
    with db.Session.begin() as session:
        team, user = find_team(session, team_name), find_user(session, email)
        if team is None or user is None:
            raise click.ClickException(f"no team {team_name!r}" if team is None else f"no user with e-mail {email}")
        add_member(team, user)
        click.echo(f"{user.email} is a member of {team.name!r}")


def _project_template(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from app.generation.project_templates import template_ids  # the registry, so a new template needs no edit here

    if value not in template_ids():
        raise click.BadParameter(f"{value!r} is not one of {', '.join(template_ids())}")
    return value


def _features(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    from app.generation.project_templates.spec import FEATURES

    unknown = [value for value in values if value not in FEATURES]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: choose from {', '.join(FEATURES)}")
    return values


@main.command()
@click.option("--template", "template_id", required=True, callback=_project_template,
              help="The project template: react-app, fastapi-backend, fullstack-app, or any other installed.")
@click.option("--name", required=True, help="Project name, e.g. todo-api.")
@click.option("--description", default="", help="What the project is for (goes into its README).")
@click.option("--entity", "entities", multiple=True, metavar="SPEC",
              help="Name:field:type,... e.g. 'Task:title:str,done:bool,due:date?' ('?' = optional). Repeatable.")
@click.option("--feature", "features", multiple=True, callback=_features,
              help="Optional feature: auth, docker, ci (tests are always generated). Repeatable; none given "
                   "means none.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the project to (must be new or empty).")
@click.option("--no-checks", is_flag=True, help="Skip running the project's own tests and build.")
@click.option("--quiet", is_flag=True, help="Print only the result.")
def generate(template_id: str, name: str, description: str, entities: tuple[str, ...], features: tuple[str, ...],
             out: Path, no_checks: bool, quiet: bool) -> None:
    """Generate a project from the terminal, no server needed, printing each agent's progress."""
    from app.cli.generate import generate as run_generate
    from app.cli.generate import parse_entity

    request = {"template_id": template_id, "name": name, "description": description,
               "entities": [parse_entity(e) for e in entities], "features": list(features),
               "options": {"run_checks": not no_checks}}
    sys.exit(run_generate(_settings(), request, out, quiet))


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def check(directory: Path) -> None:
    """Run a project folder's own checks (pytest; npm run build and npm test) in the sandbox, as the Tester does.

    The folder is copied first, so nothing is written into it. Dependencies are installed once per exact
    set under INSTANCE_PATH/cache/envs. Exits 0 only when every check passed; exits 2 when no sandbox is
    available (CODEGEN_UNISOLATED_CHECKS=1 runs the checks unisolated instead, at your own risk).
    """
    from app.cli.check import check_project

    sys.exit(check_project(_settings(), directory.resolve()))


@main.command("eval")
@click.option("--suite", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("evals"),
              show_default=True, help="The suite: tasks/<id>.json and hidden/<id>/ (acceptance tests the agents "
                                      "never see).")
@click.option("--task", "tasks", multiple=True, metavar="ID", help="Only this task. Repeatable.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the results as JSON to this file.")
@click.option("--quiet", is_flag=True, help="Print only the table.")
def evaluate(suite: Path, tasks: tuple[str, ...], json_out: Path | None, quiet: bool) -> None:
    """Run the evaluation suite against the configured model (OPENAI_BASE_URL, CODEGEN_MODEL).

    Each task is generated, then graded by hidden acceptance tests run in the sandbox. Prints, per task and
    in total: verified, hidden tests passed, tokens, cost and time. Exits 0 only when every task is verified
    and every hidden test passed.
    """
    from app.cli.evaluate import evaluate as run_evaluation

    sys.exit(run_evaluation(_settings(), suite, tasks, json_out, quiet))


if __name__ == "__main__":
    main()
