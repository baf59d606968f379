"""The Reviewer's static checks catch what would break a project before its tests run."""

import pytest

from app.generation.static_checks import check_files

PACKAGE = {"app/__init__.py": "", "app/models.py": "X = 1\n", "app/routers/__init__.py": "",
           "app/routers/tasks.py": "from ..models import X\nfrom .. import models\n"}


def test_a_sound_project_has_no_problems():
    assert check_files({**PACKAGE, "data.json": "{}", "pyproject.toml": "[x]\na = 1\n", "ci.yml": "a: [1]\n",
                        "src/a.ts": "import { b } from './b';\nimport './c.css';\n", "src/b.tsx": "",
                        "src/c.css": ""}) == []


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"broken.py": "def (:\n"}, "Python syntax error at line 1"),
        ({**PACKAGE, "app/main.py": "import app.missing\n"}, "imports app.missing, which is not in the project"),
        ({**PACKAGE, "app/routers/x.py": "from ..nope import Y\n"}, "imports app.nope"),
        ({"a.json": "{"}, "does not parse as JSON"),
        ({"a.toml": "[x"}, "does not parse as TOML"),
        ({"a.yml": "a: ["}, "does not parse as YML"),
        ({"src/a.ts": "import x from './gone';\n"}, "imports './gone', which is not in the project"),
        ({"src/a.ts": "import x from '../../outside';\n"}, "which is not in the project"),
        ({"../escape.py": ""}, "climbs out"),
    ],
)
def test_each_problem_is_named_with_its_file(files, problem):
    problems = check_files(files)

    assert any(problem in text for _path, text in problems), problems


def test_third_party_imports_are_not_the_projects_business():
    assert check_files({"app/__init__.py": "", "app/main.py": "import fastapi\nfrom sqlalchemy import select\n"}) == []


def test_imports_resolve_against_each_python_root():
    files = {"backend/app/__init__.py": "", "backend/app/main.py": "from app.models import X\n"}

    assert check_files(files, ["backend"]) == [("backend/app/main.py",
                                                 "imports app.models, which is not in the project (line 1)")]
    assert check_files({**files, "backend/app/models.py": "X = 1\n"}, ["backend"]) == []
