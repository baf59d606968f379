"""No generated path can leave the project root, whatever text proposes it."""

import io
import os
import zipfile
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.generation.packaging import build_zip
from app.generation.paths import MAX_PATH_LENGTH, UnsafePath, check_unique, safe_relative_path, write_tree

segments = st.sampled_from(["..", ".", "", "a", "b.py", "..\\", "/", "\\", "C:", "con", "nul.txt", "x\x00",
                            "~", "$HOME", ".git", "é", "a" * 120, " ", "src", "..."])
hostile = st.lists(segments, min_size=1, max_size=8).map("/".join) | st.text(max_size=300)


@settings(max_examples=600, deadline=None)
@given(hostile)
def test_an_accepted_path_is_relative_clean_and_inside(raw):
    try:
        clean = safe_relative_path(raw)
    except UnsafePath:
        return
    parts = PurePosixPath(clean).parts
    assert not clean.startswith("/") and "\\" not in clean and "\x00" not in clean
    assert ".." not in parts and "." not in parts and "" not in parts
    assert parts[0] != ".git"
    assert len(clean) <= MAX_PATH_LENGTH
    assert os.path.normpath(clean) == clean
    assert safe_relative_path(clean) == clean  # normal form is stable


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_the_zip_never_holds_an_escaping_member(raw):
    try:
        archive = build_zip({raw: b"x"}, "project")
    except UnsafePath:
        return
    (name,) = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert name.startswith("project/") and ".." not in PurePosixPath(name).parts


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../secret", "climbs out"),
        ("a/../../b", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("C:\\Windows\\x", "absolute"),
        ("\\\\server\\share", "absolute"),
        ("nul", "device name"),
        ("src/COM1.ts", "device name"),
        ("a\x00b", "NUL byte"),
        (".git/hooks/pre-commit", "inside .git"),
        ("a" * 101, "longer than 100"),
        ("/".join(["abcdefghij"] * 30), "longer than 240"),
        ("", "empty"),
        ("./.", "names no file"),
        ("bad|name", "not allowed"),
    ],
)
def test_refusals_say_why(raw, reason):
    with pytest.raises(UnsafePath, match=reason):
        safe_relative_path(raw)


def test_separators_and_dots_are_normalised():
    assert safe_relative_path("./src\\pages//Task.tsx") == "src/pages/Task.tsx"


@pytest.mark.parametrize(
    ("paths", "reason"),
    [(["a.py", "A.py"], "duplicates"), (["src", "src/main.ts"], "both a file and a folder")],
)
def test_duplicates_are_refused(paths, reason):
    with pytest.raises(UnsafePath, match=reason):
        check_unique(paths)


def test_write_tree_refuses_to_follow_a_symlink_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / "link").symlink_to(outside)

    with pytest.raises(UnsafePath, match="resolves outside"):
        write_tree(root, {"link/evil.txt": b"x"})
    assert not (outside / "evil.txt").exists()


def test_write_tree_refuses_to_write_through_a_file_symlink(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep")
    root = tmp_path / "project"
    root.mkdir()
    (root / "file.txt").symlink_to(target)

    with pytest.raises(OSError):
        write_tree(root, {"file.txt": b"overwrite"})
    assert target.read_text() == "keep"
