"""Dependency environments per exact dependency set: installed in their own networked sandbox, then frozen.

A check never installs anything: it gets the cached environment mounted read-only (`python_mounts`,
`node_mounts`), so no job can change what another job runs."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from app.generation.sandbox.isolation import TMP, Limits, RunResult, run_isolated
from app.generation.sandbox.unisolated import host_env, run_unisolated

PYTHON = f"{sys.base_prefix}/bin/python{sys.version_info.major}.{sys.version_info.minor}"
# Folders inside a read-only node_modules that Vite, Vitest and tsc insist on writing; each gets a private tmpfs.
NODE_SCRATCH = (".vite", ".vite-temp", ".tmp", ".cache")
# Registry, proxy and CA settings an install needs (a TLS-inspecting egress proxy, say); no other host variable.
REGISTRY_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CERT", "PIP_TRUSTED_HOST", "PIP_DEFAULT_TIMEOUT",
                "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "npm_config_registry",
                "NPM_CONFIG_REGISTRY", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
NODE_INSIDE = "/deps"  # where node_modules is built
INSTALL_LIMITS = Limits(wall_s=900, cpu_s=1800, memory_mb=3072, disk_mb=4096, tmp_mb=1024, files=300_000)

Steps = Callable[[str], list[list[str]]]  # the install's commands, given where the environment is being built


class DependencyCache:
    """Environments per exact dependency set, installed in a sandbox, committed by rename, then frozen.

    `isolated=False` (the explicit opt-in, see unisolated.py) installs as the service's user into entries with
    another name, so nothing an unisolated run touched is ever mounted into an isolated one."""

    def __init__(self, root: Path, *, isolated: bool = True, env: Mapping[str, str] | None = None,
                 limits: Limits = INSTALL_LIMITS) -> None:
        self.root, self.isolated, self.limits = Path(root), isolated, limits
        self.env = {k: os.environ[k] for k in REGISTRY_ENV if k in os.environ} if env is None else dict(env)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)  # staging lets runs reach it; nobody else can

    def python_env(self, requirements: str) -> tuple[Path | None, RunResult | None]:
        """A venv built at /env (its scripts hold that path), mounted at /env read-only by `python_mounts`."""
        # Wheels only: a networked step then runs no package code (sdists run setup.py, which could reach
        # the host's 127.0.0.1, since --share-net shares the host network). Packages without a wheel fail here.
        def steps(where: str) -> list[list[str]]:
            return [[PYTHON, "-m", "venv", where],
                    [f"{where}/bin/python", "-m", "pip", "install", "--only-binary=:all:", "--no-input", "-q",
                     "-r", f"{where}/requirements.txt"]]
        return self._build("py-" + _digest(sys.version, requirements), {"requirements.txt": requirements}, "/env",
                           steps)

    def node_modules(self, package_json: str, lockfile: str | None = None) -> tuple[Path | None, RunResult | None]:
        """node_modules from exactly package.json (and its lock file), with no lifecycle scripts run."""
        files = {"package.json": package_json, **({"package-lock.json": lockfile} if lockfile else {})}
        install = ["npm", "ci" if lockfile else "install", "--ignore-scripts", "--no-audit", "--no-fund"]
        return self._build("node-" + _digest(package_json, lockfile or ""), files, NODE_INSIDE,
                           lambda _where: [install])

    def _build(self, key: str, files: dict[str, str], inside: str,
               steps: Steps) -> tuple[Path | None, RunResult | None]:
        key = key if self.isolated else f"unisolated-{key}"
        target = self.root / key
        if target.is_dir():  # only complete environments ever get this name
            return target, None
        with (self.root / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one install per key, across worker processes
            if target.is_dir():
                return target, None
            build = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=self.root))
            try:
                for name, text in files.items():
                    (build / name).write_text(text)
                result = None
                for argv in steps(inside if self.isolated else str(build)):
                    result = self._install_step(argv, build, inside)
                    if not result.ok:
                        return None, result
                if inside == NODE_INSIDE:
                    modules = build / "node_modules"
                    if modules.is_symlink():
                        return None, result
                    for scratch in NODE_SCRATCH:  # mount points for the writable tmpfs dirs (see node_mounts)
                        (modules / scratch).mkdir(parents=True, exist_ok=True)
                _freeze(build)
                build.rename(target)  # the commit point: atomic, so no one sees a half-built environment
                return target, result
            finally:
                shutil.rmtree(build, ignore_errors=True)  # only still there when the install failed

    def _install_step(self, argv: list[str], build: Path, inside: str) -> RunResult:
        # Per-install download caches on the install's own tmpfs: a shared one could be poisoned.
        if self.isolated:
            env = {"PIP_CACHE_DIR": f"{TMP}/pip-cache", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                   "npm_config_cache": f"{TMP}/npm-cache", "npm_config_ignore_scripts": "true",
                   "npm_config_update_notifier": "false", **self.env}
            return run_isolated(argv, rw=build, cwd=inside, network=True, env=env, limits=self.limits,
                                rw_inside=inside)
        with tempfile.TemporaryDirectory(prefix="codegen-install-") as home:
            return run_unisolated(argv, cwd=build, limits=self.limits,
                                  env=host_env(Path(home), npm_config_ignore_scripts="true"))


def _freeze(folder: Path) -> None:
    """Read-only for everyone (and root-owned when we are root): no later run can change what other jobs import."""
    as_root = os.geteuid() == 0
    for path in [*folder.rglob("*"), folder]:
        if as_root:
            os.chown(path, 0, 0, follow_symlinks=False)
        if not path.is_symlink():  # a planted symlink must not make us chmod whatever it points to
            path.chmod(stat.S_IMODE(path.lstat().st_mode) & ~0o222)
    folder.chmod(0o555)  # mkdtemp made it 0700; run uids must be able to enter it


def python_mounts(env_dir: Path) -> tuple[list[tuple[Path, str]], dict[str, str]]:
    """ro_binds and environment variables for a check that uses a cached venv."""
    return [(env_dir, "/env")], {"VIRTUAL_ENV": "/env", "PATH": "/env/bin:/usr/local/bin:/usr/bin:/bin",
                                 "PYTHONDONTWRITEBYTECODE": "1"}


def node_mounts(cache_dir: Path, project_inside: str) -> tuple[list[tuple[Path, str]], list[str], dict[str, str]]:
    """ro_binds, tmpfs dirs and environment for a check using cached node_modules at <project>/node_modules."""
    modules = f"{project_inside}/node_modules"
    env = {"PATH": f"{modules}/.bin:/usr/local/bin:/usr/bin:/bin", "npm_config_update_notifier": "false",
           "npm_config_cache": f"{TMP}/npm-cache", "CI": "true"}
    return [(cache_dir / "node_modules", modules)], [f"{modules}/{d}" for d in NODE_SCRATCH], env


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]
