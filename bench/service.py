"""`codegen up` on a fresh instance folder for a benchmark: start it, wait until ready, sign a user in, stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Service:
    def __init__(self, *, workers: int = 1, web_workers: int = 1, env: dict[str, str] | None = None,
                 instance: Path | None = None) -> None:
        self.instance = instance or Path(tempfile.mkdtemp(prefix="cgb-", dir="/tmp"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.ws_url = f"ws://{HOST}:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY",
                                                                     "OPENAI_API_KEY")}
        self.env.update(INSTANCE_PATH=str(self.instance), CODEGEN_PROVIDER="offline",
                        RATE_LIMIT_JOBS="1000000 per minute", **(env or {}))
        self.argv = [sys.executable, "-m", "app.cli", "up", "--port", str(self.port), "--workers", str(workers),
                     "--web-workers", str(web_workers)]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Service:
        self.log = (self.instance / "up.log").open("w")
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if json.load(response)["components"].get("workers") == "healthy":
                        return self
            except (OSError, urllib.error.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"codegen up did not become ready; see {self.instance / 'up.log'}")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()

    def cli(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, check=True)
        return result.stdout

    def api_key(self, email: str = "bench@example.com") -> str:
        self.cli("create-user", "--email", email, "--password", "bench-password-1")
        return self.cli("create-api-key", "--email", email).strip().splitlines()[-1]

    def post_job(self, key: str, name: str, run_checks: bool = False, template_id: str = "fastapi-backend") -> str:
        body = json.dumps({"template_id": template_id, "name": name, "options": {"run_checks": run_checks}})
        request = urllib.request.Request(f"{self.url}/api/jobs", data=body.encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-API-Key": key})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["job_id"]

    def job(self, key: str, job_id: str) -> dict:
        request = urllib.request.Request(f"{self.url}/api/jobs/{job_id}", headers={"X-API-Key": key})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["job"]

    def web_pids(self) -> list[int]:
        import psutil

        return [p.pid for p in psutil.Process(self.process.pid).children(recursive=True)
                if "gunicorn" in " ".join(p.cmdline()) and p.parent().pid != self.process.pid]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")
