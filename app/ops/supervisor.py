"""`codegen up`: one process that starts Redis, the RQ workers and gunicorn, keeps them running, and stops them all.

Faults: an embedded Redis that dies is started again on the same data (its append-only file keeps the queue and
the event streams); the web and the workers reconnect by themselves. A worker that dies is started again under a
new name, and the jobs it was running end `failed` ("worker lost") at once. Stopping (SIGINT/SIGTERM) goes web,
then workers (a warm shutdown: running jobs get STOP_GRACE_S to finish, then go back to the queue), then Redis.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from app import db
from app.ops.embedded_redis import EmbeddedRedis
from app.ops.gunicorn_conf import thread_options
from app.ops.migrate import upgrade
from app.ops.processes import die_with_parent
from app.services.lost_jobs import reap_lost_jobs
from app.services.queues import redis_client
from app.services.users import ensure_first_admin
from app.services.workers import fail_jobs_of_lost_worker, requeue_jobs_of_stopped_worker
from app.settings import Settings

log = logging.getLogger("codegen.up")

# A worker (or Redis) that keeps dying is restarted at most this often.
RESTART_BACKOFF_S = 2.0
# How long running jobs may take to finish once the service is asked to stop.
STOP_GRACE_S = 25.0


def _die_with_parent() -> None:
    # If the supervisor is killed outright, the kernel stops its children too.
    die_with_parent(signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = field(default=0)
    worker_prefix: str | None = None  # an RQ worker: each start gets a new name from this
    oneshot: bool = False  # its exit, whatever the code, is expected

    @property
    def worker_name(self) -> str | None:
        return f"{self.worker_prefix}.{self.restarts}" if self.worker_prefix else None

    def command(self) -> list[str]:
        # A worker killed outright leaves its name registered in Redis for minutes: a restart under the same
        # name would be refused ("There exists an active worker named ...").
        return [*self.argv, "--name", self.worker_name] if self.worker_prefix else self.argv


class Supervisor:
    def __init__(self, settings: Settings, web_workers: int = 2, worker_class: str = "gevent",
                 stop_grace_s: float = STOP_GRACE_S, warm_environments: bool = True) -> None:
        self.settings = settings
        self.stop_grace_s = stop_grace_s
        self.warm_environments = warm_environments
        self.redis_started_at = 0.0
        self.web_workers = web_workers
        self.worker_class = worker_class
        self.redis: EmbeddedRedis | None = None
        self.children: list[Child] = []
        self.stopping = threading.Event()

    def run(self) -> int:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self._prepare()
            self._start_children()
            return self._watch()
        finally:
            self._stop_all()

    def _on_signal(self, signum, _frame) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        self.stopping.set()

    def _prepare(self) -> None:
        settings = self.settings
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
        db.configure(settings.database_url)
        with db.Session.begin() as session:
            created = ensure_first_admin(session)
        if created:
            email, password = created
            print(f"\n  First start: created the admin account\n    e-mail:   {email}\n    password: {password}\n"
                  "  (shown once; change it after you sign in)\n", flush=True)
        if settings.embedded_redis:
            self.redis = EmbeddedRedis(settings.instance_path / "redis", settings.redis_socket)
            self.redis.start(preexec_fn=_die_with_parent)
            self.redis_started_at = time.monotonic()
        with db.Session.begin() as session:
            lost = reap_lost_jobs(session, redis_client(settings.effective_redis_url))
        if lost:
            log.warning("marked %d job(s) left unfinished by an earlier run as failed", len(lost))
        db.get_engine().dispose()

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "INSTANCE_PATH": str(self.settings.instance_path),
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.effective_redis_url,
            "SECRET_KEY": self.settings.secret_key,
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _start_children(self) -> None:
        python = sys.executable
        for number in range(1, self.settings.workers + 1):
            self.children.append(Child(
                f"worker-{number}", [python, "-m", "app.cli", "worker"], restart=True,
                worker_prefix=f"{os.uname().nodename}-{os.getpid()}-{number}",
            ))
        bind = f"{self.settings.host}:{self.settings.port}"
        gunicorn = [python, "-m", "gunicorn", "-c", "python:app.ops.gunicorn_conf", "--bind", bind,
                    "--workers", str(self.web_workers), "--graceful-timeout", "5"]
        if self.worker_class == "gthread":
            gunicorn += thread_options(1000)
        self.children.append(Child("web", [*gunicorn, "app.web.wsgi:app"], restart=False))
        if self.warm_environments:
            # In the background: the first job finds the project templates' dependencies installed.
            self.children.append(Child("warm-envs", [python, "-m", "app.cli", "warm-envs"], restart=False,
                                       oneshot=True))
        for child in self.children:
            self._spawn(child)
        print(f"  Codegen Studio is starting on http://{bind}/  (Ctrl-C stops it)", flush=True)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command(), env=self._child_env(), process_group=0,
                                         preexec_fn=_die_with_parent)
        child.started_at = time.monotonic()
        log.info("started %s (pid %s)", child.name, child.process.pid)

    def _watch(self) -> int:
        while not self.stopping.wait(0.2):
            if self.redis and self.redis.process and self.redis.process.poll() is not None:
                self._restart_redis()
            for child in self.children:
                code = child.process.poll() if child.process else None
                if code is None or self.stopping.is_set():
                    continue
                if child.oneshot:
                    log.info("%s finished (%s)", child.name, code)
                    child.process = None
                    continue
                if not child.restart:
                    log.error("%s exited with %s; stopping", child.name, code)
                    return 1
                if child.worker_prefix:
                    self._fail_lost_jobs(child)
                if time.monotonic() - child.started_at < RESTART_BACKOFF_S:
                    time.sleep(RESTART_BACKOFF_S)
                child.restarts += 1
                log.warning("%s exited with %s; restarting (restart %d)", child.name, code, child.restarts)
                self._spawn(child)
        return 0

    def _restart_redis(self) -> None:
        """Start the embedded Redis again on the same data; the web and the workers reconnect by themselves."""
        assert self.redis is not None and self.redis.process is not None
        code = self.redis.process.returncode
        if time.monotonic() - self.redis_started_at < RESTART_BACKOFF_S:
            time.sleep(RESTART_BACKOFF_S)
        log.error("the embedded Redis exited with %s; starting it again", code)
        self.redis.process = None
        try:
            self.redis.start(preexec_fn=_die_with_parent)
        except RuntimeError as exc:
            log.error("the embedded Redis did not start again: %s", exc)
        self.redis_started_at = time.monotonic()

    def _fail_lost_jobs(self, child: Child) -> None:
        try:
            lost = fail_jobs_of_lost_worker(redis_client(self.settings.effective_redis_url), child.worker_name)
        except Exception:  # RQ's own cleanup still finds them once their heartbeat expires
            log.exception("could not fail the jobs of %s", child.worker_name)
            return
        if lost:
            log.warning("%s died running %s: marked failed (worker lost)", child.worker_name, ", ".join(lost))

    def _stop_all(self, timeout_s: float = 15.0) -> None:
        """Web first (no new jobs), then the workers (warm: running jobs finish or go back to the queue), then
        Redis, which the workers needed until their last write."""
        web = [c for c in self.children if not c.worker_prefix]
        workers = [c for c in self.children if c.worker_prefix]
        self._stop(web, timeout_s)
        unfinished = self._stop(workers, self.stop_grace_s)
        if unfinished:
            self._requeue(unfinished)
        if self.redis:
            self.redis.stop()
        log.info("stopped")

    def _stop(self, children: list[Child], timeout_s: float) -> list[Child]:
        """SIGTERM each running child; kill those still running after `timeout_s`, and return them."""
        running = [c for c in children if c.process and c.process.poll() is None]
        for child in running:
            if child.oneshot:  # the warm-up's installs are its children: stop them with it
                os.killpg(child.process.pid, signal.SIGTERM)
            else:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        killed = []
        for child in running:
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0fs; killing it", child.name, timeout_s)
                os.killpg(child.process.pid, signal.SIGKILL)  # a work horse dies with its worker (PDEATHSIG)
                child.process.wait()
                killed.append(child)
        return killed

    def _requeue(self, workers: list[Child]) -> None:
        try:
            connection = redis_client(self.settings.effective_redis_url)
            db.configure(self.settings.database_url)
            for child in workers:
                with db.Session() as session:
                    requeued = requeue_jobs_of_stopped_worker(session, connection, child.worker_name)
                if requeued:
                    log.warning("requeued %s: they run again at the next start", ", ".join(requeued))
        except Exception:  # the reaper fails them at the next start instead
            log.exception("could not requeue the jobs of the stopped workers")
