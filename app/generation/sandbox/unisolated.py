"""The explicit opt-in without isolation: a project's checks as a plain subprocess of the service's own user.

Used only for code that is ours (the offline project templates) when no sandbox exists, or for model-written
code when CODEGEN_UNISOLATED_CHECKS=1 says so. Limits on time, CPU and file size, and a scrubbed environment,
are all it has: such code can read whatever the service can read."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.generation.sandbox.isolation import OUTPUT_LIMIT, Limits, RunResult

# Variables a package manager needs to reach its registry; nothing else of the service's environment passes.
PASSTHROUGH = ("LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
               "PIP_CERT", "PIP_TRUSTED_HOST", "PIP_DEFAULT_TIMEOUT", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
               "npm_config_registry", "NPM_CONFIG_REGISTRY", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
               "https_proxy", "no_proxy")


def host_env(home: Path, path_prefix: Sequence[Path] = (), **extra: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
    env.update({"PATH": os.pathsep.join([*map(str, path_prefix), "/usr/local/bin", "/usr/bin", "/bin"]),
                "HOME": str(home), "TMPDIR": str(home), "CI": "true", "PYTHONDONTWRITEBYTECODE": "1",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", "npm_config_update_notifier": "false",
                "npm_config_cache": str(home / "npm-cache"), "PIP_CACHE_DIR": str(home / "pip-cache"), **extra})
    env.setdefault("LANG", "C.UTF-8")
    return env


def _limit(limits: Limits) -> None:
    for limit, value in ((resource.RLIMIT_CPU, limits.cpu_s), (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))


def run_unisolated(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], limits: Limits = Limits()) -> RunResult:
    """Run argv in its own process group; past the wall-time limit the whole group is killed."""
    started = time.monotonic()
    process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=lambda: _limit(limits))
    reason = ""
    try:
        output, _ = process.communicate(timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        reason = f"wall time limit {limits.wall_s:g} s"
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    code = process.returncode
    reason = reason or {-signal.SIGXCPU: f"cpu time limit {limits.cpu_s} s",
                        -signal.SIGXFSZ: f"file size limit {limits.file_mb} MB"}.get(code, "")
    text = output.decode(errors="replace")[-OUTPUT_LIMIT:] + (f"\n[stopped: {reason}]" if reason else "")
    return RunResult(code, text, time.monotonic() - started, reason.startswith("wall"), reason)


def link_tree(source: Path, destination: Path) -> None:
    """Copy a cached folder by hard links: seconds instead of a fresh install."""
    shutil.copytree(source, destination, symlinks=True, copy_function=os.link)
