"""The edit format: search/replace blocks applied all or nothing, refused with a reason the model can act on."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.generation.edits import EditError, apply_edits, parse_edits

FILES = {"app/main.py": "import os\n\n\ndef hello():\n    return 'hi'\n", "tests/test_main.py": "def test(): pass\n"}


def block(path, search, replace):
    return f"{path}\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


def test_a_block_replaces_the_lines_it_quotes():
    answer = "Sure, here is the change:\n```\n" + block("app/main.py", "    return 'hi'", "    return 'hello'") + "```"

    changed = apply_edits(FILES, parse_edits(answer))

    assert changed == {"app/main.py": "import os\n\n\ndef hello():\n    return 'hello'\n"}
    assert FILES["app/main.py"].endswith("'hi'\n")  # the input is never modified


def test_an_empty_search_creates_a_file():
    changed = apply_edits(FILES, parse_edits(block("app/new.py", "", "X = 1")))
    assert changed == {"app/new.py": "X = 1\n"}


def test_trailing_spaces_and_a_shifted_indent_still_match_and_keep_the_file_indent():
    answer = block("app/main.py", "def hello():  \nreturn 'hi'", "def hello():\nreturn 'bye'")
    # The model dropped the body's indent in both halves: the replacement is shifted back by the same amount.
    with pytest.raises(EditError, match="does not match"):
        apply_edits(FILES, parse_edits(answer))
    shifted = block("app/main.py", "return 'hi'", "return 'bye'")
    assert apply_edits(FILES, parse_edits(shifted))["app/main.py"].endswith("    return 'bye'\n")


@pytest.mark.parametrize(("answer", "reason"), [
    ("no blocks at all", "no edit blocks"),
    (block("app/main.py", "print('absent')", "x"), "does not match the current file"),
    (block("app/missing.py", "a", "b"), "no such file"),
    (block("app/main.py", "", "overwrite"), "the file exists"),
    (block("../outside.py", "", "x"), "climbs out"),
    (block("/etc/passwd", "", "x"), "absolute"),
    (block("tests/test_main.py", "def test(): pass", "def test(): assert True"), "frozen"),
    (block("APP/main.py", "", "x"), "duplicates"),
    (block("app/main.py/evil.py", "", "x"), "both a file and a folder"),
    ("app/main.py\n<<<<<<< SEARCH\nimport os\n=======\n", "not closed"),
])
def test_bad_edits_are_refused_with_a_reason(answer, reason):
    with pytest.raises(EditError, match=reason):
        apply_edits(FILES, parse_edits(answer), protected=frozenset({"tests/test_main.py"}))


def test_a_search_that_matches_twice_asks_for_more_lines():
    files = {"a.py": "x = 1\nx = 1\n"}
    with pytest.raises(EditError, match="matches 2 places"):
        apply_edits(files, parse_edits(block("a.py", "x = 1", "x = 2")))


def test_one_bad_block_applies_nothing():
    answer = block("app/main.py", "import os", "import sys") + block("app/main.py", "nope", "x")
    with pytest.raises(EditError, match="block 2"):
        apply_edits(FILES, parse_edits(answer))


LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS), max_size=30),
                min_size=1, max_size=12), st.data())
def test_replacing_any_unique_line_run_with_itself_changes_nothing(lines, data):
    numbered = [f"{i}: {line}" for i, line in enumerate(lines)]  # unique lines, so a run matches once
    files = {"f.txt": "\n".join(numbered) + "\n"}
    start = data.draw(st.integers(0, len(numbered) - 1))
    end = data.draw(st.integers(start + 1, len(numbered)))
    run = "\n".join(numbered[start:end])
    assert apply_edits(files, parse_edits(block("f.txt", run, run)))["f.txt"] == files["f.txt"]


@pytest.mark.parametrize("path", ["conftest.py", "app/conftest.py", "tests/test_more.py", "pytest.ini", "setup.cfg",
                                  "pyproject.toml", "sitecustomize.py", "app/evil.pth", "src/extra.test.tsx",
                                  "vitest.config.ts"])
def test_code_edits_may_not_write_any_test_or_test_setting(path):
    with pytest.raises(EditError, match="fix the code, not the tests"):
        apply_edits(FILES, parse_edits(block(path, "", "x = 1")), code_only=True)
    assert apply_edits(FILES, parse_edits(block(path, "", "x = 1")))  # the test designer may write tests
