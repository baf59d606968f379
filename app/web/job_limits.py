"""The one rate limit on creating jobs: RATE_LIMIT_JOBS per user, shared by the form, the API and retries."""

from __future__ import annotations

import time

from flask import Response, g, request
from flask_login import current_user

from app.web.common import current_settings
from app.web.extensions import limiter

SCOPE = "job-creation"


def _job_limit() -> str:
    return current_settings().rate_limit_jobs


def _creator() -> str:
    """The person creating the job: the API caller on /api (token-only there), else the signed-in person."""
    if request.blueprint == "api":
        from app.web.api.auth import current_caller  # not at the top: app.web.api imports this module

        caller = current_caller()
        return f"user:{caller.user_id}" if caller else ""
    # An empty key skips the limit; login_required, outside this decorator, has refused anonymous people.
    return f"user:{current_user.id}" if current_user.is_authenticated else ""


def job_created() -> None:
    """Count this request against the limit; routes call it once a job exists, so refusals cost nothing."""
    g.job_created = True


def _was_created(_response: Response) -> bool:
    return g.get("job_created", False)


def seconds_to_wait() -> int:
    """Until the limit this request broke lets one more job in (at least one second)."""
    breached = limiter.current_limit
    return max(1, int(breached.reset_at - time.time())) if breached else 1


# Checked before the view (a spent limit answers 429), deducted after it only when a job was created.
creates_jobs = limiter.shared_limit(_job_limit, scope=SCOPE, key_func=_creator, methods=["POST"],
                                    deduct_when=_was_created)
