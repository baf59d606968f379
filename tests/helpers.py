"""Plain helpers shared by the tests (fixtures live in conftest.py): skipping, waiting, and `codegen up`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import psutil
import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parents[1]
# The password of every user the fixtures create.
PASSWORD = "correct horse battery"
# How long any wait in the tests may take. Generous on purpose: on a busy machine (load above the core count)
# a process that answers in 50 ms when idle can take seconds; only the deadline turns "not yet" into a failure.
DEADLINE_S = 120.0

T = TypeVar("T")


def require(condition: bool, reason: str) -> None:
    """Skip with a reason that says how to get the missing part; under CI=true, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


def unused_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], T], deadline: float, what: str, *, until: Callable[[T], Any] = bool,
               not_yet: tuple[type[BaseException], ...] = (), interval: float = 0.2) -> T:
    """Call `predicate` until `until(its answer)` holds, and return that answer.

    An exception in `not_yet` (a read timeout, a refused connection) is "not yet", like an answer that does
    not hold; any other exception fails at once. After `deadline` seconds the failure names `what` was awaited
    and what was last seen."""
    end = time.monotonic() + deadline
    while True:
        try:
            answer = predicate()
        except not_yet as exc:
            seen = f"{type(exc).__name__}: {exc}"
        else:
            if until(answer):
                return answer
            seen = repr(answer)
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {deadline:g}s waiting for {what}; last seen: {seen}")
        time.sleep(interval)


# What a server that is starting, or too busy to answer in time, looks like to an HTTP client.
HTTP_NOT_YET = (OSError, http.client.HTTPException, ValueError)


def get_json(url: str, timeout: float = 5) -> tuple[int, dict]:
    """GET a JSON document; an HTTP error status is an answer too, returned with its body."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


class Stopped(NamedTuple):
    code: int | None  # None: it did not exit within a minute of Ctrl-C and was killed
    children: list[psutil.Process]  # every process it had started
    left_behind: list[psutil.Process]  # those still alive 20 s after it exited (killed now)


class CodegenUp:
    """`codegen up` in a child process, as `make run` starts it, on an instance folder of its own, with the
    offline provider; its output goes to `log`."""

    def __init__(self, instance: Path, port: int, log: Path, **env: str) -> None:
        self.instance, self.log = instance, log
        self.url = f"http://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "OPENAI_API_KEY")}
        self.env.update(INSTANCE_PATH=str(instance), CODEGEN_PROVIDER="offline", **env)
        self.port = port
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> None:
        """Run one `codegen` command on the same instance (migrate, create a user) and wait for it."""
        result = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=DEADLINE_S)
        assert result.returncode == 0, f"codegen {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"

    def start(self) -> CodegenUp:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "up", "--port", str(self.port), "--workers", "1"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_healthy(self, deadline: float = DEADLINE_S) -> dict:
        """Wait until /health answers 200 with a worker ready, and return its body; a slow or refused answer is
        "not yet", an exit of `codegen up` fails at once. (Not `"status": "healthy"`: a machine without the
        sandbox is `degraded` for good, and these tests do not need it.)"""
        def health() -> tuple[int, dict]:
            assert self.process is not None and self.process.poll() is None, \
                f"codegen up exited early:\n{self.log_tail()}"
            return get_json(f"{self.url}/health")

        try:
            return wait_until(health, deadline, f"{self.url}/health to answer 200 with a worker ready",
                              until=lambda answer: answer[0] == 200
                              and answer[1].get("components", {}).get("workers") == "healthy",
                              not_yet=HTTP_NOT_YET)[1]
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log_tail()}") from None

    def stop(self) -> Stopped:
        """Ctrl-C, as a person stops it; then kill whatever is left, and say what that was."""
        assert self.process is not None
        try:
            descendants = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            code = None
        _gone, alive = psutil.wait_procs(descendants, timeout=20)
        for process in alive:
            process.kill()
        return Stopped(code, descendants, alive)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else "(no log)"
