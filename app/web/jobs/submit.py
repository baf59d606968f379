"""The submission form: the page, its partial routes for entity blocks and field rows, and creating the job."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required

from app.generation.project_templates import all_templates
from app.services.access import NotAllowed
from app.services.jobs import CostUnknown, JobLimitReached, submit_job
from app.services.queues import QueueUnavailable
from app.web.common import current_settings, error_page, get_redis, get_session, is_fragment_request, page_or_fragment
from app.web.job_limits import creates_jobs, job_created, seconds_to_wait
from app.web.jobs import bp
from app.web.jobs.forms import ENTITY_KEY, EntityBlock, FieldRow, JobForm
from app.web.jobs.views import redirect_after_post

DEFAULT_FEATURES = ["tests"]


@cache
def template_cards() -> tuple[dict[str, Any], ...]:
    """The project templates' metadata, in gallery order; computing the file lists renders each template once."""
    cards = [t.metadata() for t in all_templates()]
    return tuple(cards)


def template_names() -> dict[str, str]:
    return {card["id"]: card["name"] for card in template_cards()}


def _llm_mode() -> bool:
    return current_settings().effective_provider == "openai"


def _context(form: JobForm) -> dict[str, Any]:
    return {"form": form, "project_templates": template_cards(), "llm": _llm_mode(), "teams": list(current_user.teams),
            "default_model": current_settings().model}


def _blank_form() -> JobForm:
    chosen = request.args.get("template", "")
    ids = [t["id"] for t in template_cards()]
    return JobForm(template_id=chosen if chosen in ids else ids[0], features=list(DEFAULT_FEATURES))


@bp.route("/jobs/new", methods=["GET", "POST"])
@login_required
@creates_jobs
def new():
    if request.method == "GET":
        return page_or_fragment("jobs/new.html", "jobs/_form.html", **_context(_blank_form()))
    form = JobForm.from_form(request.form)
    action = request.form.get("action", "")
    if action:  # a row added or removed without JavaScript: show the form again, nothing is checked yet
        form.apply(action)
        return page_or_fragment("jobs/new.html", "jobs/_form.html", **_context(form))
    job_request = form.validate(_llm_mode())
    if job_request is not None:
        session = get_session()
        try:
            job = submit_job(session, get_redis(), job_request, current_user, request_id=request.headers.get(
                "X-Request-ID"), settings=current_settings())
        except CostUnknown as exc:
            form.add_error("max_cost_usd", str(exc)[:1].upper() + str(exc)[1:] + ".")
        except NotAllowed as exc:
            form.add_error("team_id", str(exc))
        except JobLimitReached as exc:
            form.add_error("form", str(exc)[:1].upper() + str(exc)[1:] + ".")
        except QueueUnavailable:
            session.rollback()
            form.add_error("form", "The job queue is not answering right now; your project was not started. "
                                   "Please try again in a moment.")
        else:
            job_created()
            target = url_for("jobs.show", job_id=job.id)
            return redirect_after_post(target)
    return page_or_fragment("jobs/new.html", "jobs/_form.html", status=422, **_context(form))


@bp.errorhandler(RateLimitExceeded)
def too_many_jobs(_exc: RateLimitExceeded):
    """RATE_LIMIT_JOBS spent: the form comes back as typed, saying how long to wait; a retry gets the error page."""
    spent = f"You have started as many jobs as allowed for now. Wait {seconds_to_wait()} seconds"
    if request.endpoint != "jobs.new":
        return error_page(429, f"{spent}, then try again.")
    form = JobForm.from_form(request.form)
    form.add_error("form", f"{spent}, then submit again: what you typed is kept.")
    # The whole page even for HTMX: on a 429 it swaps #main (base.html), which holds the form.
    return render_template("jobs/new.html", **_context(form)), 429


@bp.get("/jobs/new/entity")
@login_required
def entity_block():
    """A new, empty entity block (with one field row), appended to the form by HTMX."""
    return page_or_fragment("jobs/new.html", "jobs/_entity.html", entity=EntityBlock(), focus_entity=True,
                            **_context(_blank_form()))


@bp.get("/jobs/new/field")
@login_required
def field_row():
    """A new, empty field row for the entity block `?entity=<key>`."""
    key = request.args.get("entity", "")
    if not ENTITY_KEY.fullmatch(key):
        abort(400)
    entity = EntityBlock(key=key)
    return page_or_fragment("jobs/new.html", "jobs/_field_row.html", entity=entity, row=FieldRow(), focus_row=True,
                            **_context(_blank_form()))


@bp.get("/jobs/new/removed")
@login_required
def removed_row():
    """What a removed block or row becomes: nothing (the button swaps its block with `delete`)."""
    if is_fragment_request():
        response = make_response("", 200)
        response.vary.add("HX-Request")
        return response
    return redirect(url_for("jobs.new"))

