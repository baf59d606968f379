"""Running a generated project's own checks: a subprocess with limits, a scrubbed environment, cached deps."""

from __future__ import annotations

import fcntl
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

OUTPUT_LIMIT = 64 * 1024
# Variables a package manager needs to reach its registry; nothing else of the service's environment passes.
PASSTHROUGH = ("LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
               "PIP_FIND_LINKS", "PIP_TRUSTED_HOST", "npm_config_registry", "NPM_CONFIG_REGISTRY",
               "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


@dataclass
class RunResult:
    returncode: int
    output: str
    duration_s: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _limits(cpu_s: int, file_mb: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * 2**20, file_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_limited(argv: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 300,
                cpu_s: int = 600, file_mb: int = 512) -> RunResult:
    """Run `argv` in its own process group; on timeout the whole group is killed."""
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               preexec_fn=lambda: _limits(cpu_s, file_mb))
    timed_out = False
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    text = output.decode(errors="replace")
    if len(text) > OUTPUT_LIMIT:
        text = "…" + text[-OUTPUT_LIMIT:]
    if timed_out:
        text += f"\n[stopped: no answer within {timeout_s:.0f}s]"
    return RunResult(process.returncode, text, time.monotonic() - started, timed_out)


class EnvCache:
    """Dependency environments cached per distinct dependency set, shared by every job on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def env(self, home: Path, path_prefix: list[Path] = ()) -> dict[str, str]:
        env = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
        env.update({
            "PATH": os.pathsep.join([*map(str, path_prefix), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home),
            "CI": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PIP_CACHE_DIR": str(self.root / "pip-cache"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "npm_config_cache": str(self.root / "npm-cache"),
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
        })
        env.setdefault("LANG", "C.UTF-8")
        return env

    @contextmanager
    def _locked(self, name: str):
        lock = self.root / f"{name}.lock"
        with lock.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def python_env(self, requirements: str, home: Path) -> tuple[Path | None, RunResult | None]:
        """A virtualenv with exactly `requirements` installed (never the service's own packages)."""
        key = "py-" + hashlib.sha256(f"{sys.version_info[:2]}\n{requirements}".encode()).hexdigest()[:20]
        target = self.root / key
        if (target / ".ready").exists():
            return target, None
        with self._locked(key):
            if (target / ".ready").exists():
                return target, None
            shutil.rmtree(target, ignore_errors=True)
            base_python = getattr(sys, "_base_executable", sys.executable)
            made = run_limited([base_python, "-m", "venv", str(target)], self.root, self.env(home), 120)
            if not made.ok:
                shutil.rmtree(target, ignore_errors=True)
                return None, made
            (target / "requirements.txt").write_text(requirements)
            installed = run_limited([str(target / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
                                     "requirements.txt"], target, self.env(home), 900)
            if not installed.ok:
                shutil.rmtree(target, ignore_errors=True)
                return None, installed
            (target / ".ready").touch()
            return target, installed

    def node_modules(self, package_json: str, home: Path) -> tuple[Path | None, RunResult | None]:
        """A node_modules folder installed from exactly `package_json`."""
        key = "node-" + hashlib.sha256(package_json.encode()).hexdigest()[:20]
        target = self.root / key
        if (target / ".ready").exists():
            return target / "node_modules", None
        with self._locked(key):
            if (target / ".ready").exists():
                return target / "node_modules", None
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            (target / "package.json").write_text(package_json)
            installed = run_limited(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline"], target,
                                    self.env(home), 900)
            if not installed.ok:
                shutil.rmtree(target, ignore_errors=True)
                return None, installed
            (target / ".ready").touch()
            return target / "node_modules", installed


def link_tree(source: Path, destination: Path) -> None:
    """Copy a cached folder by hard links: seconds instead of a fresh install, and no shared folders."""
    shutil.copytree(source, destination, symlinks=True, copy_function=os.link)
