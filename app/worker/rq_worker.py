"""The RQ worker: runs jobs and makes sure none stays `running` after its process is gone."""

from __future__ import annotations

import logging
import signal

import redis
from rq import Worker
from rq.job import JobStatus as RQStatus

from app import db
from app.generation.registry import import_modules
from app.ops.logs import configure_logging
from app.ops.processes import die_with_parent
from app.services.lost_jobs import reap_lost_jobs
from app.services.queues import QUEUE_NAME
from app.settings import Settings
from app.worker.tasks import WORKER_LOST, configure_runtime, mark_failed

log = logging.getLogger(__name__)

# What every job needs, imported once in the worker so that each forked work horse inherits it: the providers
# (the openai SDK alone takes most of a second to import), the agents and the project templates.
PRELOADED = ("app.generation.providers", "app.generation.agents", "app.generation.project_templates")


def preload() -> None:
    for package in PRELOADED:
        import_modules(package)


class CodegenWorker(Worker):
    def main_work_horse(self, job, queue):
        # RQ puts the horse in a process group of its own; without this a worker killed outright (SIGKILL, OOM)
        # would leave its horse running unsupervised, and the job's fate unknown.
        die_with_parent(signal.SIGKILL)
        super().main_work_horse(job, queue)

    def handle_job_success(self, job, queue, started_job_registry, execution):
        super().handle_job_success(job, queue, started_job_registry, execution)
        if job._result == "cancelled":
            # The job stopped on a cancel request: RQ (and rq-dashboard) should say canceled, not finished.
            try:
                job.cancel()
            except Exception:  # the database row already says cancelled; this is bookkeeping
                log.warning("could not mark job %s canceled in RQ", job.id, exc_info=True)

    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="", execution=None):
        super().handle_job_failure(job, queue, started_job_registry=started_job_registry,
                                   exc_string=exc_string, execution=execution)
        if job.get_status(refresh=False) != RQStatus.FAILED:
            return  # retried or stopped on request: not the end of the job
        # Covers a work horse killed mid-job (timeout, OOM, signal), where no callback runs.
        if "Work-horse terminated unexpectedly" in (exc_string or ""):
            reason = f"{WORKER_LOST}: the job's process died ({exc_string.strip().rstrip(';')})"
        else:
            reason = ((exc_string or "").strip().splitlines()[-1:] or ["the job's process died"])[0]
        try:
            mark_failed(self.connection, job.id, reason)
        except Exception:
            log.exception("could not record the failure of job %s", job.id)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        with db.Session.begin() as session:
            lost = reap_lost_jobs(session, self.connection)
        if lost:
            log.warning("marked %d lost job(s) failed: %s", len(lost), ", ".join(lost))


def run_worker(settings: Settings, burst: bool = False, name: str | None = None) -> bool:
    configure_logging()  # JSON lines; RQ's own logger then uses this handler instead of its coloured one
    db.configure(settings.database_url)
    configure_runtime(settings)
    preload()
    # No socket timeout: RQ blocks on BLMOVE for minutes while it waits for work.
    connection = redis.Redis.from_url(settings.effective_redis_url)
    worker = CodegenWorker([QUEUE_NAME], connection=connection, name=name, maintenance_interval=60)
    return worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
