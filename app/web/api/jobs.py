"""Jobs over JSON: submit, list, show, cancel, retry, improve, list files and download the zip."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import g, jsonify, request, send_file
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.utils import secure_filename

from app.generation.project_templates.spec import TemplateId
from app.generation.request import ImproveRequest, JobRequest
from app.models import Job, JobStatus, User
from app.services.access import NotAllowed, can_manage, can_view
from app.services.artifacts import list_files, read_blob
from app.services.job_listing import list_visible_jobs
from app.services.jobs import (
    CostUnknown,
    JobLimitReached,
    JobStateError,
    cancel_job,
    improve_job,
    retry_job,
    submit_job,
)
from app.services.keyset import TIME_ID_CURSOR, CursorError
from app.web.api import bp
from app.web.api.auth import api_user, current_caller
from app.web.api.errors import ApiError, json_body, query_args, validation_error
from app.web.api.idempotency import Reservation, fingerprint, requested_key
from app.web.api.openapi import IDEMPOTENCY_KEY, operation
from app.web.api.responses import (
    FileList,
    JobActionResponse,
    JobCreated,
    JobList,
    JobResponse,
    Status,
    job_links,
    job_out,
)
from app.web.common import current_settings, get_redis, get_session
from app.web.job_limits import creates_jobs, job_created

CREATE_ERRORS = (400, 409, 413, 415, 422, 429, 503)
# Microseconds (up to year 2286) and a job id: any string of this shape is a valid place to start a page.
CURSOR_PATTERN = TIME_ID_CURSOR.pattern
MAX_JOB_ID = 64
# Retry-After for a client at the cap of active jobs: the one value the header and docs/api.md give.
ACTIVE_JOBS_RETRY_AFTER_S = 30


def _request_id() -> str | None:
    return g.get("request_id")


def _visible_job(job_id: str) -> tuple[Job, User]:
    user = api_user()
    job = get_session().get(Job, job_id) if len(job_id) <= MAX_JOB_ID else None
    if job is None or not can_view(user, job):
        raise ApiError(404, "not_found", f"there is no job {job_id} that you may see")
    return job, user


def _managed_job(job_id: str) -> tuple[Job, User]:
    job, user = _visible_job(job_id)
    if not can_manage(user, job):
        raise ApiError(403, "forbidden", "only the job's owner or an admin may do this")
    return job, user


def _created(job: Job, message: str, replayed: bool = False):
    body = JobCreated(job_id=job.id, status=job.status, message=message, links=job_links(job.id))
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = body.links.self
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _submit(action: str, payload: str, create: Callable[[], Job], message: str):
    """Create a job once per Idempotency-Key, mapping the services' refusals to statuses."""
    user_id = current_caller().user_id
    key = requested_key()
    reservation = None
    if key is not None:
        reservation = Reservation(get_redis(), user_id, key, fingerprint(action, payload)).claim()
        if reservation.job_id is not None:
            job = get_session().get(Job, reservation.job_id)
            if job is not None:
                return _created(job, "this Idempotency-Key already created this job", replayed=True)
            reservation = Reservation(get_redis(), user_id, key, reservation.fingerprint)  # deleted since
    try:
        job = create()
    except BaseException as exc:
        if reservation is not None:
            reservation.release()
        if isinstance(exc, NotAllowed):
            raise ApiError(403, "forbidden", str(exc)) from None
        if isinstance(exc, JobLimitReached):
            raise ApiError(429, "too_many_active_jobs", str(exc),
                           headers={"Retry-After": str(ACTIVE_JOBS_RETRY_AFTER_S)}) from None
        if isinstance(exc, ValidationError):
            raise validation_error(exc) from None
        if isinstance(exc, CostUnknown):
            raise ApiError(422, "price_unknown", str(exc), details={"field": "options.max_cost_usd"}) from None
        raise
    if reservation is not None:
        reservation.complete(job.id)
    job_created()
    return _created(job, message)


def _submit_request():
    body = json_body(JobRequest)
    user = api_user()
    return _submit("create", body.model_dump_json(), lambda: submit_job(
        get_session(), get_redis(), body, user, request_id=_request_id(), settings=current_settings()),
        f"Job queued: {body.template_id} project {body.name!r}")


@bp.post("/jobs")
@creates_jobs
@operation("Submit a job", body=JobRequest, responses={201: JobCreated}, errors=CREATE_ERRORS,
           headers=(IDEMPOTENCY_KEY,))
def create_job():
    """Only `template_id` and `name` are required. Follow the job at `links.self` or over `/ws`."""
    return _submit_request()


@bp.post("/generate")
@creates_jobs
@operation("Submit a job (older clients)", body=JobRequest, responses={201: JobCreated}, errors=CREATE_ERRORS,
           headers=(IDEMPOTENCY_KEY,))
def generate():
    """The same as `POST /api/jobs`, kept for clients of the original service."""
    return _submit_request()


class JobListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Status | None = Field(default=None, description="Only jobs in this status")
    template_id: TemplateId | None = Field(default=None, description="Only jobs of this project template")
    limit: int = Field(default=20, ge=1, le=100, description="Jobs per page")
    cursor: str | None = Field(default=None, pattern=CURSOR_PATTERN,
                               description="`pagination.cursor` of the previous page")


@bp.get("/jobs")
@operation("List your jobs", query=JobListQuery, responses={200: JobList}, errors=(422,))
def list_jobs():
    """Newest first: your jobs, your teams' jobs, or every job for an admin. Follow `pagination.next`."""
    args = query_args(JobListQuery)
    try:
        page = list_visible_jobs(get_session(), api_user(), status=args.status, template_id=args.template_id,
                                 cursor=args.cursor, limit=args.limit)
    except CursorError as exc:
        raise ApiError(422, "validation_error", f"cursor: {exc}") from None
    cursor = page.next
    next_url = None
    if cursor:
        params = {k: v for k, v in (("status", args.status), ("template_id", args.template_id)) if v}
        next_url = "/api/jobs?" + "&".join(f"{k}={v}" for k, v in {**params, "limit": args.limit,
                                                                      "cursor": cursor}.items())
    body = JobList(jobs=[job_out(job) for job in page.rows],
                   pagination={"limit": args.limit, "next": next_url, "cursor": cursor})
    return jsonify(body.model_dump(mode="json"))


@bp.get("/jobs/<job_id>")
@operation("Show a job", responses={200: JobResponse}, errors=(404,))
def show_job(job_id: str):
    """Status, progress, current agent, timestamps, duration, tokens and cost (also per agent), error."""
    job, _user = _visible_job(job_id)
    return jsonify(JobResponse(job=job_out(job)).model_dump(mode="json"))


@bp.post("/jobs/<job_id>/cancel")
@operation("Cancel a job", responses={200: JobActionResponse, 202: JobActionResponse}, errors=(404, 409, 503))
def cancel(job_id: str):
    """A queued job is cancelled at once (200); a running one stops at its next step (202)."""
    job, user = _managed_job(job_id)
    session = get_session()
    running = job.job_status is JobStatus.RUNNING
    try:
        cancel_job(session, get_redis(), job, user, ip=request.remote_addr, via="api")
    except JobStateError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    session.commit()
    message = "cancellation requested; the job stops at its next step" if running else "job cancelled"
    body = JobActionResponse(message=message, job=job_out(job))
    return jsonify(body.model_dump(mode="json")), 202 if running else 200


@bp.post("/jobs/<job_id>/retry")
@creates_jobs
@operation("Retry a failed or cancelled job", responses={201: JobCreated}, errors=(404, 409, 422, 429, 503),
           headers=(IDEMPOTENCY_KEY,))
def retry(job_id: str):
    """A new job with the same request; the original stays as it was."""
    job, user = _managed_job(job_id)

    def create() -> Job:
        try:
            return retry_job(get_session(), get_redis(), job, user, request_id=_request_id(),
                             ip=request.remote_addr, via="api")
        except JobStateError as exc:
            raise ApiError(409, "conflict", str(exc)) from None

    return _submit(f"retry:{job.id}", "", create, f"Job {job.id} retried as a new job")


@bp.post("/jobs/<job_id>/improve")
@creates_jobs
@operation("Improve a completed job", body=ImproveRequest, responses={201: JobCreated},
           errors=(400, 404, 409, 413, 415, 422, 429, 503), headers=(IDEMPOTENCY_KEY,))
def improve(job_id: str):
    """A further round on a completed job: structured changes and/or an instruction for the model."""
    job, user = _managed_job(job_id)
    body = json_body(ImproveRequest)
    if job.job_status is not JobStatus.COMPLETED:
        raise ApiError(409, "conflict", f"job {job.id} is {job.status}; only a completed job can be improved")

    def create() -> Job:
        try:
            return improve_job(get_session(), get_redis(), job, body, user, request_id=_request_id(),
                               ip=request.remote_addr, via="api")
        except JobStateError as exc:
            raise ApiError(422, "validation_error", str(exc)) from None

    return _submit(f"improve:{job.id}", body.model_dump_json(), create, f"Job {job.id} improved as a new job")


@bp.get("/jobs/<job_id>/files")
@operation("List a job's files", responses={200: FileList}, errors=(404,))
def files(job_id: str):
    """Every generated file with its size and SHA-256; empty until the job has files."""
    job, _user = _visible_job(job_id)
    rows = list_files(get_session(), job.id)
    body = FileList(files=[{"path": f.path, "size": f.size, "sha256": f.sha256} for f in rows])
    return jsonify(body.model_dump(mode="json"))


@bp.get("/jobs/<job_id>/download")
@operation("Download a job's project as a zip", responses={200: "application/zip"}, errors=(404, 409))
def download(job_id: str):
    """The generated project as a zip (409 until the job has produced one)."""
    job, _user = _visible_job(job_id)
    content = read_blob(get_session(), job.zip_sha256) if job.zip_sha256 else None
    if content is None:
        raise ApiError(409, "not_ready", f"job {job.id} is {job.status} and has no zip yet")
    response = send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True,
                         download_name=f"{secure_filename(job.name) or job.id}.zip", etag=job.zip_sha256,
                         conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
