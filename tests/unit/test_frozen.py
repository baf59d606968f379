"""Frozen tests vouch for a project only when each one is unchanged, ran and passed."""

from app.generation.frozen import FrozenSuite, defined_tests, frozen_problems, is_harness_path, is_test_path

TESTS = '''
import pytest

def test_one(client): ...

@pytest.mark.parametrize("x", [1, 2])
def test_two(x): ...

class TestThings:
    def test_three(self): ...
'''
FILES = {"tests/test_a.py": TESTS, "tests/conftest.py": "import pytest\n", "app/main.py": "x = 1\n",
         "package.json": '{"scripts": {"test": "vitest run"}}'}


def passed(name, file="tests/test_a.py"):
    return {"file": file, "name": name, "outcome": "passed", "message": ""}


def suite():
    frozen = FrozenSuite()
    frozen.freeze_tests_of(FILES)
    return frozen


def test_what_counts_as_a_test_or_a_test_setting():
    assert is_test_path("tests/test_a.py") and is_test_path("backend/tests/helpers.py")
    assert is_test_path("src/pages/TaskPage.test.tsx") and is_test_path("src/test/setup.ts")
    assert not is_test_path("app/main.py") and not is_test_path("src/pages/TaskPage.tsx")
    assert is_harness_path("pytest.ini") and is_harness_path("frontend/vite.config.ts")


def test_defined_tests_of_python_and_typescript():
    assert defined_tests("tests/test_a.py", TESTS) == ["test_one", "test_two", "TestThings::test_three"]
    assert defined_tests("src/a.test.tsx", 'it("shows a list", () => {});\ntest(`counts`, () => {})') == [
        "shows a list", "counts"]


def test_an_intact_suite_that_passed_has_no_problem():
    cases = [passed("test_one"), passed("test_two[1]"), passed("test_two[2]"), passed("TestThings::test_three")]
    assert frozen_problems(suite(), FILES, cases) == []


def test_a_changed_a_deleted_and_a_missing_test_are_each_named():
    files = {**FILES, "tests/test_a.py": TESTS.replace("...", "assert True")}
    del files["tests/conftest.py"]
    problems = frozen_problems(suite(), files, [passed("test_one")])
    assert "frozen file tests/test_a.py was changed" in problems
    assert "frozen file tests/conftest.py was deleted" in problems
    assert "frozen test tests/test_a.py::test_two did not run" in problems
    assert "frozen test tests/test_a.py::TestThings::test_three did not run" in problems


def test_a_skipped_or_failed_frozen_test_is_a_problem():
    cases = [passed("test_one"), passed("test_two[1]"), {**passed("test_two[2]"), "outcome": "skipped"},
             {**passed("TestThings::test_three"), "outcome": "failed", "message": "AssertionError: 1 != 2\nmore"}]
    problems = frozen_problems(suite(), FILES, cases)
    assert problems == ["frozen test tests/test_a.py::test_two[2] skipped",
                        "frozen test tests/test_a.py::TestThings::test_three failed: AssertionError: 1 != 2"]


def test_changing_the_test_script_is_a_problem():
    files = {**FILES, "package.json": '{"scripts": {"test": "echo ok"}}'}
    cases = [passed("test_one"), passed("test_two"), passed("TestThings::test_three")]
    assert frozen_problems(suite(), files, cases) == [
        "the scripts of package.json were changed (they decide which tests run)"]


def test_typescript_titles_ignore_regex_tests_and_count_table_tests():
    source = 'const ok = /x/.test("abc");\nit("real", () => {});\nit.each([1, 2])("adds %s", (n) => {});\n'
    assert defined_tests("src/a.test.ts", source) == ["real", "${each} adds %s"]
    frozen = FrozenSuite()
    frozen.freeze({"src/a.test.ts": source}, ["src/a.test.ts"])
    ran = [passed("real", "src/a.test.ts"), passed("adds 1", "src/a.test.ts"), passed("adds 2", "src/a.test.ts")]
    assert frozen_problems(frozen, {"src/a.test.ts": source}, ran) == []
    assert frozen_problems(frozen, {"src/a.test.ts": source}, ran[:1]) == [
        "frozen tests of src/a.test.ts: 2 defined, 1 ran"]


def test_a_test_or_test_setting_added_after_freezing_is_a_problem():
    cases = [passed("test_one"), passed("test_two"), passed("TestThings::test_three")]
    for added in ("conftest.py", "tests/test_zzz.py", "frontend/vitest.config.mjs", "app/x.pth", ".npmrc"):
        assert frozen_problems(suite(), {**FILES, added: "x"}, cases) == [
            f"test or test setting {added} was added after the tests were frozen"]


def test_one_test_cannot_stand_in_for_another_with_a_similar_name():
    frozen = FrozenSuite()
    source = 'it("adds", () => {});\nit("never adds", () => {});\n'
    frozen.freeze({"src/a.test.ts": source}, ["src/a.test.ts"])
    assert frozen_problems(frozen, {"src/a.test.ts": source}, [passed("never adds", "src/a.test.ts")]) == [
        "frozen test src/a.test.ts::adds did not run"]


def test_frozen_tests_under_a_check_that_did_not_run_say_nothing():
    frozen = FrozenSuite()
    files = {"frontend/src/a.test.ts": 'it("x", () => {});', "backend/tests/test_a.py": "def test_a(): pass\n"}
    frozen.freeze_tests_of(files)
    ran = [passed("test_a", "backend/tests/test_a.py")]
    assert frozen_problems(frozen, files, ran, ran_roots=["backend"]) == []
    assert frozen_problems(frozen, files, ran) == ["frozen test frontend/src/a.test.ts::x did not run"]
