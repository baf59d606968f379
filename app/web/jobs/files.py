"""Generated files and the zip. A file is shown as highlighted text inside our page, never served as itself:
HTML or SVG that a model wrote must not run in the app's origin."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from flask import abort, request, send_file
from flask_login import login_required
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound
from sqlalchemy import select
from werkzeug.utils import secure_filename

from app.models import Blob, Job, JobFile
from app.services.artifacts import read_file
from app.services.sharing import shared_job
from app.web.common import get_session, page_or_fragment
from app.web.jobs import bp
from app.web.jobs.views import Viewer, viewer_for, visible_job_or_404

MAX_VIEW_BYTES = 256 * 1024
# CommonMark with raw HTML off: a README's HTML is shown as text, and markdown-it refuses javascript: and data:
# links; images from elsewhere are blocked by the page's CSP anyway.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_FORMATTER = HtmlFormatter(linenos="table", lineanchors="L", anchorlinenos=True, wrapcode=True,
                           cssclass="source-code")


@dataclass(frozen=True)
class FileView:
    path: str
    size: int
    sha256: str
    language: str = ""
    html: str = ""  # Pygments' output: every character of the file escaped
    reason: str = ""  # why the content is not shown, when it is not
    rendered: str = ""  # a Markdown file as HTML (raw HTML in it escaped)
    text: str = ""


def render_file(path: str, content: bytes, sha256: str) -> FileView:
    size = len(content)
    if size > MAX_VIEW_BYTES:
        return FileView(path, size, sha256, reason=f"This file is {size / 1024:,.0f} KB, too large to show here "
                                                   f"(the limit is {MAX_VIEW_BYTES // 1024} KB). It is in the zip.")
    text = _as_text(content)
    if text is None:
        return FileView(path, size, sha256, reason="This is a binary file, so it cannot be shown as text. "
                                                   "It is in the zip.")
    try:
        lexer = get_lexer_for_filename(path, text, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    rendered = _render_markdown(text) if path.lower().endswith((".md", ".markdown")) else ""
    return FileView(path, size, sha256, language=lexer.name, html=highlight(text, lexer, _FORMATTER),
                    rendered=rendered, text=text)


def _render_markdown(text: str) -> str:
    """The file's headings sit two levels down, under the page's own h1 and the file's h2."""
    tokens = _MARKDOWN.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    return _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})


def _as_text(content: bytes) -> str | None:
    if b"\x00" in content[:8192]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _content_or_404(job: Job, path: str) -> bytes:
    if len(path) > 512 or re.search(r"(^|/)\.\.(/|$)", path):
        abort(404)
    content = read_file(get_session(), job.id, path)
    if content is None:
        abort(404)
    return content


def _raw(job: Job, path: str):
    """The file as plain text (`?download=1`: as an attachment), never as its own type: a model's HTML must not
    run in this origin, so it is text/plain, not sniffed, and sandboxed."""
    content = _content_or_404(job, path)
    download = request.args.get("download") == "1"
    name = secure_filename(path.rsplit("/", 1)[-1]) or "file"
    response = send_file(io.BytesIO(content), mimetype="application/octet-stream" if download else "text/plain",
                         as_attachment=download, download_name=name, max_age=0)
    if not download:
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _file_page(job: Job, viewer: Viewer, path: str):
    content = _content_or_404(job, path)
    session = get_session()
    sha256 = session.scalar(select(JobFile.sha256).where(JobFile.job_id == job.id, JobFile.path == path)) or ""
    view = render_file(path, content, sha256)
    return page_or_fragment("jobs/file.html", "jobs/_file.html", job=job, viewer=viewer, file=view)


def _zip(job: Job):
    if not job.zip_sha256:
        abort(404)
    blob = get_session().get(Blob, job.zip_sha256)
    if blob is None:
        abort(404)
    name = secure_filename(job.name) or job.id
    response = send_file(io.BytesIO(blob.content), mimetype="application/zip", as_attachment=True,
                         download_name=f"{name}.zip", etag=job.zip_sha256, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/jobs/<job_id>/files/<path:path>")
@login_required
def file(job_id: str, path: str):
    job = visible_job_or_404(job_id)
    return _file_page(job, viewer_for(job), path)


@bp.get("/jobs/<job_id>/raw/<path:path>")
@login_required
def raw(job_id: str, path: str):
    return _raw(visible_job_or_404(job_id), path)


@bp.get("/jobs/<job_id>/download")
@login_required
def download(job_id: str):
    return _zip(visible_job_or_404(job_id))


def shared_job_or_404(token: str) -> Job:
    job = shared_job(get_session(), token)
    if job is None:
        abort(404)
    return job


@bp.get("/s/<token>/files/<path:path>")
def shared_file(token: str, path: str):
    job = shared_job_or_404(token)
    return _file_page(job, Viewer(job.id, share_token=token), path)


@bp.get("/s/<token>/raw/<path:path>")
def shared_raw(token: str, path: str):
    return _raw(shared_job_or_404(token), path)


@bp.get("/s/<token>/download")
def shared_download(token: str):
    return _zip(shared_job_or_404(token))
