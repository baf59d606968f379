"""The RQ worker: runs jobs and makes sure none stays `running` after its process is gone."""

from __future__ import annotations

import logging

import redis
from rq import Worker

from app import db
from app.ops.logs import configure_logging
from app.services.jobs import reap_lost_jobs
from app.services.queues import QUEUE_NAME
from app.settings import Settings
from app.worker.tasks import configure_runtime, mark_failed

log = logging.getLogger(__name__)


class CodegenWorker(Worker):
    def handle_job_failure(self, job, queue, started_job_registry=None, exc_string="", execution=None):
        super().handle_job_failure(job, queue, started_job_registry=started_job_registry,
                                   exc_string=exc_string, execution=execution)
        # Covers a work horse killed mid-job (timeout, OOM, signal), where no callback runs.
        last_line = (exc_string or "").strip().splitlines()[-1:] or ["the job's process died"]
        try:
            mark_failed(self.connection, job.id, last_line[0])
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
    # No socket timeout: RQ blocks on BLMOVE for minutes while it waits for work.
    connection = redis.Redis.from_url(settings.effective_redis_url)
    worker = CodegenWorker([QUEUE_NAME], connection=connection, name=name, maintenance_interval=60)
    return worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
