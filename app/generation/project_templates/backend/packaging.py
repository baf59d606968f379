"""The generated project's packaging: requirements.txt, pytest.ini, ruff.toml, .gitignore, the Docker image, CI."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import ProjectSpec
from ..verbatim import verbatim
from .python_code import fill


def requirements(spec: ProjectSpec) -> GeneratedFile:
    lines = [
        "fastapi>=0.115,<1",
        "uvicorn>=0.30,<1",
        "sqlalchemy>=2.0.30,<3",
        "pydantic>=2.11,<3",  # validate_by_name
        "alembic>=1.13,<2",
        "psycopg[binary]>=3.2,<4",  # postgresql:// URLs (app/config.py)
    ]
    if spec.has("auth"):
        lines.append("pyjwt>=2.10,<3")
    # Starlette's TestClient runs on httpx2 from Starlette 1.6 on (plain httpx still works there, deprecated).
    lines += ["", "# tests", "starlette>=1.6,<2", "httpx2>=2,<3", "pytest>=8.3,<10"]
    # A minor release of ruff may turn new rules on: the range holds the rules this code was checked against.
    lines += ["", "# lint (ruff.toml)", "ruff>=0.17.6,<0.18"]
    return GeneratedFile("requirements.txt", "\n".join(lines) + "\n",
                         "Python dependencies with compatible version ranges, the test and lint tools included")


RUFF_TOML = GeneratedFile("ruff.toml", """\
# `ruff check .`, as CI runs it: pycodestyle, Pyflakes, isort, bugbear, pyupgrade, simplify and ruff's own rules.
line-length = 120
target-version = "py311"

[lint]
select = ["E", "F", "W", "I", "B", "UP", "SIM", "RUF"]
# What depends on the names a person gave the entities and fields, not on the code: how long a line is, a name
# like `l`, `O` or `I`, non-ASCII letters that look like ASCII ones.
ignore = ["E501", "E741", "E742", "E743", "RUF001", "RUF002", "RUF003"]

[lint.flake8-bugbear]
# FastAPI reads a route's dependencies and parameters from calls in its defaults.
extend-immutable-calls = ["fastapi.Depends", "fastapi.Query", "fastapi.Path", "fastapi.Body", "fastapi.Header"]

[lint.isort]
known-first-party = ["app"]

[lint.per-file-ignores]
# Pyflakes only (undefined and unused names) for tests: acceptance tests a model writes are frozen once written,
# so a style finding there could never be fixed.
"tests/**" = ["E", "W", "I", "B", "UP", "SIM", "RUF"]
# `alembic revision --autogenerate` imports `sa` and `op` whether or not the new migration uses them.
"app/migrations/versions/*" = ["F401"]
""", "ruff's rules for `ruff check .`")

PYTEST_INI = verbatim("backend", "pytest.ini", "Lets a bare `pytest` at the project root find the tests and import "
                      "`app`")

GITIGNORE = verbatim("backend", ".gitignore", "Keeps virtual environments, caches and the local SQLite database out "
                     "of git")

DOCKERIGNORE = verbatim("backend", ".dockerignore", "Keeps the image small: no git history, environments, caches, "
                        "databases or tests")

DOCKERFILE = verbatim("backend", "Dockerfile", "Container image serving the API with uvicorn on port 8000",
                      ("requirements.txt", "app/main.py"))


def ci_workflow(working_directory: str = ".") -> GeneratedFile:
    """A GitHub Actions workflow that installs the requirements and runs pytest in `working_directory`."""
    defaults = "" if working_directory == "." else (
        f"    defaults:\n      run:\n        working-directory: {working_directory}\n")
    dependency_path = "requirements.txt" if working_directory == "." else f"{working_directory}/requirements.txt"
    content = fill("""
        name: CI

        on:
          push:
          pull_request:

        jobs:
          test:
            runs-on: ubuntu-latest
        $defaults    steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-python@v5
                with:
                  python-version: "3.12"
                  cache: pip
                  cache-dependency-path: $dependency_path
              - run: pip install -r requirements.txt
              - run: ruff check .
              - run: pytest
        """, defaults=defaults, dependency_path=dependency_path)
    return GeneratedFile(".github/workflows/ci.yml", content, "GitHub Actions: install the requirements, lint with "
                         "ruff, run pytest")
