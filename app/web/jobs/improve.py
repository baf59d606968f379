"""Improving a finished job from its page (a child job, through the same `improve_job` the API calls), and the
diff of a child's files against its parent's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError

from app.generation.project_templates.spec import FEATURES, FIELD_TYPES
from app.generation.request import ImproveRequest
from app.models import Job, JobStatus
from app.services.jobs import JobLimitReached, JobStateError, improve_job
from app.services.queues import QueueUnavailable
from app.web.common import current_settings, get_redis, get_session, page_or_fragment
from app.web.job_limits import creates_jobs, job_created
from app.web.jobs import bp
from app.web.jobs.versions import changes, file_diff, relatives
from app.web.jobs.views import fragment_response, redirect_after_post, viewer_for, visible_job_or_404


@dataclass
class ImproveForm:
    """The page's improve form: a few structured changes, and free text for a model."""

    new_entity: str = ""
    new_entity_fields: str = ""  # "title, done:bool, due:date"
    field_entity: str = ""
    field_name: str = ""
    field_type: str = "str"
    remove_entity: str = ""
    features: list[str] = field(default_factory=list)
    instruction: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    field_types = FIELD_TYPES
    all_features = FEATURES

    @classmethod
    def for_job(cls, job: Job) -> ImproveForm:
        return cls(features=list((job.spec or {}).get("features") or []))

    @classmethod
    def from_form(cls, form: Any) -> ImproveForm:
        return cls(new_entity=form.get("new_entity", "").strip()[:64],
                   new_entity_fields=form.get("new_entity_fields", "").strip()[:1000],
                   field_entity=form.get("field_entity", ""), field_name=form.get("field_name", "").strip()[:64],
                   field_type=form.get("field_type", "str"), remove_entity=form.get("remove_entity", ""),
                   features=[f for f in FEATURES if f in form.getlist("features")],
                   instruction=form.get("instruction", "").strip()[:4000])

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def changes(self, job: Job) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if self.new_entity or self.new_entity_fields:
            fields = []
            for part in filter(None, (p.strip() for p in self.new_entity_fields.split(","))):
                name, _, kind = part.partition(":")
                fields.append({"name": name.strip(), "type": kind.strip() or "str"})
            found.append({"op": "add_entity", "entity": {"name": self.new_entity, "fields": fields}})
        if self.field_entity or self.field_name:
            found.append({"op": "add_field", "entity": self.field_entity,
                          "field": {"name": self.field_name, "type": self.field_type}})
        if self.remove_entity:
            found.append({"op": "remove_entity", "entity": self.remove_entity})
        had = set((job.spec or {}).get("features") or [])
        for feature in FEATURES:
            if (feature in self.features) != (feature in had):
                found.append({"op": "set_feature", "feature": feature, "enabled": feature in self.features})
        return found

    def validate(self, job: Job, llm: bool) -> ImproveRequest | None:
        self.errors = {}
        if self.instruction and not llm:
            self.add_error("instruction", "Free-text instructions need a model; this server runs offline. "
                                          "Use the structured changes above.")
        data = {"changes": self.changes(job), "instruction": self.instruction if llm else ""}
        if not data["changes"] and not data["instruction"] and not self.errors:
            self.add_error("form", "Nothing to change: add an entity or a field, remove an entity, switch a "
                                   "feature" + (", or describe the change." if llm else "."))
        try:
            improvement = ImproveRequest.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                self.add_error(_input_for(error["loc"], data["changes"]), _message(error))
            return None
        return None if self.errors else improvement


def _input_for(loc: tuple, changes: list[dict[str, Any]]) -> str:
    if loc[:1] == ("instruction",):
        return "instruction"
    if loc[:1] == ("changes",) and len(loc) > 1 and isinstance(loc[1], int):
        op = changes[loc[1]]["op"]
        rest = [part for part in loc[2:] if not isinstance(part, int)]
        if op == "add_entity":
            return "new_entity" if "name" in rest[-1:] and "fields" not in rest else "new_entity_fields"
        if op == "add_field":
            return "field_name" if "field" in rest else "field_entity"
        if op == "remove_entity":
            return "remove_entity"
    return "form"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "too_short" and "fields" in error["loc"]:
        return "Give the new entity at least one field, such as: title, done:bool."
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].upper() + message[1:]


def _llm_mode() -> bool:
    return current_settings().effective_provider == "openai"


def improve_context(job: Job, form: ImproveForm | None = None) -> dict[str, Any]:
    entities = [e.get("name", "") for e in (job.spec or {}).get("entities") or []]
    return {"improve_form": form or ImproveForm.for_job(job), "entity_names": entities, "llm": _llm_mode()}


@bp.post("/jobs/<job_id>/improve")
@login_required
@creates_jobs
def improve(job_id: str):
    job = visible_job_or_404(job_id)
    viewer = viewer_for(job)
    if not viewer.can_manage:
        abort(403)
    form = ImproveForm.from_form(request.form)
    if job.job_status is not JobStatus.COMPLETED:
        form.add_error("form", f"This job is {job.status}; only a completed job can be improved.")
    improvement = None if form.errors else form.validate(job, _llm_mode())
    if improvement is not None:
        session = get_session()
        try:
            child = improve_job(session, get_redis(), job, improvement, current_user, ip=request.remote_addr,
                                request_id=request.headers.get("X-Request-ID"), via="web")
        except (JobStateError, JobLimitReached) as exc:
            session.rollback()
            form.add_error("form", str(exc)[:1].upper() + str(exc)[1:] + ".")
        except QueueUnavailable:
            session.rollback()
            form.add_error("form", "The job queue is not answering; nothing was started. Try again shortly.")
        else:
            job_created()
            return redirect_after_post(url_for("jobs.show", job_id=child.id))
    return fragment_response("jobs/_improve.html", 422, job=job, viewer=viewer, **improve_context(job, form))


@bp.get("/jobs/<job_id>/diff")
@login_required
def diff(job_id: str):
    """One file's diff against the parent version (`?path=`), unified or side by side (`?view=split`)."""
    job = visible_job_or_404(job_id)
    parent = get_session().get(Job, job.parent_id) if job.parent_id else None
    if parent is None:
        abort(404)
    parent = visible_job_or_404(parent.id)
    path = request.args.get("path", "")[:512]
    view = "split" if request.args.get("view") == "split" else "unified"
    result = file_diff(get_session(), parent, job, path) if path else None
    if result is None:
        abort(404)
    return page_or_fragment("jobs/diff.html", "jobs/_diff.html", job=job, parent=parent, diff=result, view=view,
                            viewer=viewer_for(job))


def job_changes(job: Job):
    """The file changes from a job's parent, once both have their files; None otherwise."""
    if not job.parent_id or not job.files_count:
        return None
    parent = get_session().get(Job, job.parent_id)
    if parent is None or not parent.files_count:
        return None
    return parent, changes(get_session(), parent, job)


def page_context(job: Job, viewer) -> dict[str, Any]:
    """What the job page shows around the live sections: the versions, the diff summary, the improve form."""
    context: dict[str, Any] = {"relatives": relatives(get_session(), job, current_user),
                               "diff_summary": job_changes(job)}
    if viewer.can_manage and job.job_status is JobStatus.COMPLETED:
        context.update(improve_context(job))
    return context
