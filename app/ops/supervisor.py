"""`codegen up`: one process that starts Redis, the RQ workers and gunicorn, and stops them all."""

from __future__ import annotations

import ctypes
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
from app.ops.migrate import upgrade
from app.services.jobs import reap_lost_jobs
from app.services.queues import redis_client
from app.services.users import ensure_first_admin
from app.settings import Settings

log = logging.getLogger("codegen.up")

PR_SET_PDEATHSIG = 1
# A worker that keeps dying is restarted at most this often.
RESTART_BACKOFF_S = 2.0


def _die_with_parent() -> None:
    # If the supervisor is killed outright, the kernel stops its children too.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = field(default=0)


class Supervisor:
    def __init__(self, settings: Settings, web_workers: int = 2, worker_class: str = "gevent") -> None:
        self.settings = settings
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
                f"worker-{number}",
                [python, "-m", "app.cli", "worker", "--name", f"{os.uname().nodename}-{os.getpid()}-{number}"],
                restart=True,
            ))
        bind = f"{self.settings.host}:{self.settings.port}"
        gunicorn = [python, "-m", "gunicorn", "--bind", bind, "--workers", str(self.web_workers),
                    "--worker-class", self.worker_class, "--graceful-timeout", "5",
                    "--no-control-socket"]
        if self.worker_class == "gevent":
            gunicorn += ["--worker-connections", "10000"]
        else:
            # A WebSocket holds its thread until it closes: size the pool for sockets plus HTTP (docs/benchmarks.md).
            gunicorn += ["--threads", "1000", "--worker-connections", "1000"]
        self.children.append(Child("web", [*gunicorn, "app.web.wsgi:app"], restart=False))
        for child in self.children:
            self._spawn(child)
        print(f"  Codegen Studio is starting on http://{bind}/  (Ctrl-C stops it)", flush=True)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self._child_env(), process_group=0,
                                         preexec_fn=_die_with_parent)
        child.started_at = time.monotonic()
        log.info("started %s (pid %s)", child.name, child.process.pid)

    def _watch(self) -> int:
        while not self.stopping.wait(0.5):
            if self.redis and self.redis.process and self.redis.process.poll() is not None:
                log.error("the embedded Redis exited with %s; stopping", self.redis.process.returncode)
                return 1
            for child in self.children:
                code = child.process.poll() if child.process else None
                if code is None:
                    continue
                if not child.restart:
                    log.error("%s exited with %s; stopping", child.name, code)
                    return 1
                if time.monotonic() - child.started_at < RESTART_BACKOFF_S:
                    time.sleep(RESTART_BACKOFF_S)
                child.restarts += 1
                log.warning("%s exited with %s; restarting (restart %d)", child.name, code, child.restarts)
                self._spawn(child)
        return 0

    def _stop_all(self, timeout_s: float = 15.0) -> None:
        running = [c.process for c in reversed(self.children) if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.redis:
            self.redis.stop()
        log.info("stopped")
