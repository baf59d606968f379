"""Files are shown as escaped, highlighted text inside our page; binary and huge files say why not; the zip."""

import io
import re
import zipfile

import pytest

from app import db
from app.services import artifacts
from tests.integration.pages_support import HX, add_files, assert_fragment, assert_page, get_job, make_job

EVIL_HTML = b"<!doctype html><script>alert(document.cookie)</script><img src=x onerror=alert(1)>\n"
EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>\n'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.fixture
def job_id(user_id):
    job_id = make_job(user_id, status="completed")
    add_files(job_id, {"app/main.py": b"def hello():\n    return 'hi'\n" * 3, "web/index.html": EVIL_HTML,
                       "web/logo.svg": EVIL_SVG, "web/logo.png": PNG, "data/big.txt": b"x" * (300 * 1024),
                       "README.md": b"# todo-api\n"})
    return job_id


def test_a_file_is_highlighted_with_line_numbers(owner_client, job_id):
    body = assert_page(owner_client.get(f"/jobs/{job_id}/files/app/main.py"))
    assert '<span class="k">def</span>' in body and '<span class="nf">hello</span>' in body
    assert 'href="#L-6"' in body and 'id="L-6"' in body and 'href="#L-7"' not in body
    assert "Python" in body and f'href="/jobs/{job_id}"' in body  # language; the way back to the job

    fragment = assert_fragment(owner_client.get(f"/jobs/{job_id}/files/app/main.py", headers=HX),
                               '<section id="file-view"')
    assert '<span class="k">def</span>' in fragment


@pytest.mark.parametrize("path, raw", [("web/index.html", EVIL_HTML), ("web/logo.svg", EVIL_SVG)])
def test_generated_html_and_svg_never_run_in_our_origin(owner_client, job_id, path, raw):
    response = owner_client.get(f"/jobs/{job_id}/files/{path}")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert raw.decode().strip() not in body
    assert "<script>alert" not in body and "onerror=alert" not in body.replace("onerror</span>", "")
    assert "&lt;" in body and "alert" in body  # shown, as text
    assert not re.search(r"<(script|svg|img)\b", body.split('<section id="file-view"')[1])


def test_a_binary_file_gets_a_clear_message(owner_client, job_id):
    body = assert_page(owner_client.get(f"/jobs/{job_id}/files/web/logo.png"))
    assert "This is a binary file, so it cannot be shown as text." in body
    assert f'href="/jobs/{job_id}/download"' in body and "PNG" not in body.split('id="file-view"')[1]


def test_a_huge_file_gets_a_clear_message(owner_client, job_id):
    body = assert_page(owner_client.get(f"/jobs/{job_id}/files/data/big.txt"))
    assert "This file is 300 KB, too large to show here (the limit is 256 KB). It is in the zip." in body
    assert "xxxxxxxxxx" not in body


@pytest.mark.parametrize("path", ["nope.py", "app/../README.md", "app/main.py/", "APP/main.py"])
def test_unknown_paths_are_404(owner_client, job_id, path):
    assert owner_client.get(f"/jobs/{job_id}/files/{path}").status_code == 404


def test_the_zip_is_an_attachment_holding_every_file(owner_client, job_id):
    response = owner_client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=todo-api.zip"
    assert "private" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    with db.Session() as session:
        stored = {f.path for f in artifacts.list_files(session, job_id)}
        readme = artifacts.read_file(session, job_id, "README.md")
    assert set(archive.namelist()) == {f"todo-api/{path}" for path in stored}
    assert archive.read("todo-api/README.md") == readme == b"# todo-api\n"
    assert archive.testzip() is None


def test_a_job_without_a_zip_has_no_download(owner_client, user_id):
    job_id = make_job(user_id, status="failed")
    assert owner_client.get(f"/jobs/{job_id}/download").status_code == 404
    assert get_job(job_id).zip_sha256 is None


def test_a_real_generated_project_zip(owner_client, completed_job_id):
    archive = zipfile.ZipFile(io.BytesIO(owner_client.get(f"/jobs/{completed_job_id}/download").data))
    names = archive.namelist()
    assert "todo-api/app/main.py" in names and "todo-api/requirements.txt" in names
    assert b"Tasks with due dates" in archive.read("todo-api/README.md")
    assert len(names) == get_job(completed_job_id).files_count
