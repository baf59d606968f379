"""Run an untrusted command in bubblewrap as a throwaway host uid, with hard limits; fail closed without it."""

from __future__ import annotations

import ctypes
import fcntl
import functools
import os
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from app.generation.sandbox.cgroups import RunCgroup

OUTPUT_LIMIT = 64 * 1024
TMP = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, never the host's /tmp
RW_INSIDE = "/job"  # where the writable folder appears; fixed so paths never reveal the host layout
UID_BASE, UID_SLOTS = 200_000, 512  # one unused host uid per concurrent run: RLIMIT_NPROC then counts per run
STATE_DIR = Path(os.environ.get("CODEGEN_SANDBOX_STATE", "/run/codegen-sandbox"))
PYTHON_PREFIX = Path(sys.base_prefix)
# What toolchains read from /etc; nothing there is secret, and /etc/passwd is replaced by a generated one.
ETC_FILES = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/ssl", "/etc/ca-certificates", "/etc/hosts",
             "/etc/nsswitch.conf", "/etc/localtime", "/etc/mime.types", "/etc/host.conf", "/etc/gai.conf")
AS_FACTOR = 8  # RLIMIT_AS fallback only: V8 and esbuild reserve far more address space than they use
_libc = ctypes.CDLL(None, use_errno=True)


class SandboxUnavailable(RuntimeError):
    """Raised instead of running unisolated: the sandbox fails closed."""


@dataclass(frozen=True)
class Limits:
    wall_s: float = 300
    cpu_s: int = 600
    memory_mb: int = 2048
    processes: int = 256
    file_mb: int = 256
    disk_mb: int = 1024
    tmp_mb: int = 256
    files: int = 100_000


@dataclass
class RunResult:
    returncode: int
    output: str
    duration_s: float
    timed_out: bool = False
    reason: str = ""  # which limit stopped the run, if one did

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.reason


@dataclass(frozen=True)
class SandboxStatus:
    available: bool
    reason: str


@contextmanager
def _run_uid() -> Iterator[int | None]:
    """Lease a host uid no one else uses right now (a lock file per slot works across worker processes)."""
    if os.geteuid() != 0:
        yield None
        return
    (STATE_DIR / "stage").mkdir(mode=0o755, parents=True, exist_ok=True)  # an empty mount point, see _stage
    for slot in range(UID_SLOTS):
        with (STATE_DIR / f"uid-{slot}.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield UID_BASE + slot
            return
    raise SandboxUnavailable(f"all {UID_SLOTS} sandbox uids are busy")


def _stage(sources: list[Path], stage: Path) -> None:
    """In the child, as root: a private mount namespace where root-only folders are bound at a reachable path.

    bwrap resolves bind sources as the unprivileged uid, which cannot enter /root or a 0700 temp folder;
    the staging mounts live only in this child's namespace, so the host's mount table never changes."""
    def check(result: int) -> None:
        if result != 0:
            raise OSError(ctypes.get_errno(), "sandbox staging mount failed")
    check(_libc.unshare(0x00020000))  # CLONE_NEWNS
    check(_libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None))  # MS_REC | MS_PRIVATE: nothing leaks out
    check(_libc.mount(b"tmpfs", bytes(stage), b"tmpfs", 0, b"mode=0755,size=64k"))
    for number, source in enumerate(sources):
        (stage / str(number)).mkdir()
        check(_libc.mount(bytes(source), bytes(stage / str(number)), None, 0x1000 | 0x4000, None))  # MS_BIND|REC


def _bwrap_args(binds: list[tuple[str, str, bool]], tmpfs: Sequence[str], network: bool, tmp_mb: int,
                passwd_fd: int) -> list[str]:
    args = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib64", "/sbin"):  # merged-/usr symlinks, or real folders on older systems
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in (*ETC_FILES, *(("/etc/resolv.conf",) if network else ())):
        args += ["--ro-bind-try", path, path]
    size = str(tmp_mb * 2**20)
    args += ["--ro-bind-data", str(passwd_fd), "/etc/passwd", "--proc", "/proc", "--dev", "/dev",
             "--size", size, "--tmpfs", TMP, "--size", size, "--tmpfs", "/dev/shm",  # noqa: S108
             "--remount-ro", "/dev"]  # /dev is an unsized tmpfs otherwise writable by the run
    args += ["--share-net"] if network else []
    for source, dest, read_only in binds:
        args += ["--ro-bind" if read_only else "--bind", source, dest]
    for dest in tmpfs:  # after the binds, so they can sit inside a read-only one
        args += ["--size", size, "--tmpfs", dest]
    return args


def _disk_over(rw: Path, limits: Limits) -> str:
    """Allocated bytes and entries under rw; polled, since no quota exists on an ordinary folder."""
    used, count, seen, stack = 0, 0, set(), [str(rw)]
    while stack:
        with suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:
                info = entry.stat(follow_symlinks=False)
                count += 1
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    used += info.st_blocks * 512  # allocated, so sparse files count for what they really take
                if stat.S_ISDIR(info.st_mode):
                    stack.append(entry.path)
    if used > limits.disk_mb * 2**20:
        return f"disk limit {limits.disk_mb} MB"
    return f"file count limit {limits.files}" if count > limits.files else ""


def _child(cgroup: RunCgroup, sources: list[Path], limits: Limits, drop: bool, fallback_as: bool) -> None:
    cgroup.join()
    if drop:
        _stage(sources, STATE_DIR / "stage")
    # RLIMIT_NPROC counts per uid: exact with a uid per run, but it would count the service too without one.
    for limit, value in ((resource.RLIMIT_CPU, limits.cpu_s), (resource.RLIMIT_FSIZE, limits.file_mb * 2**20),
                         (resource.RLIMIT_CORE, 0), *(((resource.RLIMIT_NPROC, limits.processes),) if drop else ())):
        resource.setrlimit(limit, (value, value))
    if fallback_as:
        memory = limits.memory_mb * 2**20 * AS_FACTOR
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def run_isolated(argv: Sequence[str], *, rw: Path, cwd: str, ro_binds: Sequence[tuple[Path, str]] = (),
                 network: bool = False, env: Mapping[str, str], limits: Limits = Limits(),
                 tmpfs: Sequence[str] = (), rw_inside: str = RW_INSIDE) -> RunResult:
    """Run argv with only rw writable (at rw_inside), ro_binds read-only, and nothing of the host's secrets."""
    if not (status := probe()).available:
        raise SandboxUnavailable(status.reason)
    return _run(argv, rw=rw, cwd=cwd, ro_binds=ro_binds, network=network, env=env, limits=limits, tmpfs=tmpfs,
                rw_inside=rw_inside)


def _run(argv: Sequence[str], *, rw: Path, cwd: str, ro_binds: Sequence[tuple[Path, str]], network: bool,
         env: Mapping[str, str], limits: Limits, tmpfs: Sequence[str], rw_inside: str) -> RunResult:
    started = time.monotonic()
    with _run_uid() as uid:
        drop = uid is not None
        if drop:  # the run uid must own its folder; lchown so a planted symlink cannot redirect us
            for path in [rw, *rw.rglob("*")]:
                os.chown(path, uid, uid, follow_symlinks=False)
        wanted = [(rw, rw_inside, False), *((Path(s), d, True) for s, d in ro_binds)]
        if not PYTHON_PREFIX.is_relative_to("/usr"):
            wanted.append((PYTHON_PREFIX, str(PYTHON_PREFIX), True))  # the interpreter only, never all of /root
        binds = [(str(STATE_DIR / "stage" / str(n)) if drop else str(s), d, ro) for n, (s, d, ro) in enumerate(wanted)]
        read_end, write_end = os.pipe()
        user = uid if uid is not None else os.getuid()
        os.write(write_end, f"sandbox:x:{user}:{user}::{TMP}:/bin/sh\n".encode())
        os.close(write_end)
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if drop else []
        command = [*prefix, *_bwrap_args(binds, tmpfs, network, limits.tmp_mb, read_end), "--chdir", cwd,
                   "--", *argv]
        full_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": TMP, "TMPDIR": TMP, "LANG": "C.UTF-8", **env}
        cgroup = RunCgroup(limits)
        try:
            process = subprocess.Popen(
                command, cwd="/", env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=(read_end,),
                preexec_fn=functools.partial(_child, cgroup, [s for s, _, _ in wanted], limits, drop,
                                             not cgroup.memory))
            tail = bytearray()
            reader = threading.Thread(target=_pump, args=(process, tail), daemon=True)
            reader.start()
            reason = _watch(process, rw, limits, started)
            oom = cgroup.oom_killed()
            reader.join(timeout=5)
        finally:
            os.close(read_end)
            cgroup.close()  # also kills anything that somehow outlived bwrap's PID namespace
    code = process.returncode
    if not reason:
        reason = {128 + signal.SIGXCPU: f"cpu time limit {limits.cpu_s} s",
                  128 + signal.SIGXFSZ: f"file size limit {limits.file_mb} MB"}.get(code, "memory limit" if oom else "")
    text = tail.decode(errors="replace") + (f"\n[stopped: {reason}]" if reason else "")
    return RunResult(code, text, time.monotonic() - started, reason.startswith("wall"), reason)


def _watch(process: subprocess.Popen[bytes], rw: Path, limits: Limits, started: float) -> str:
    """Wait for the run, checking wall time and disk use between waits; kill it when one is exceeded."""
    pidfd = os.pidfd_open(process.pid)  # readable the moment it exits: no polling latency on short runs
    interval = 0.1
    try:
        while not select.select([pidfd], [], [], interval)[0]:
            walk = time.monotonic()
            over = f"wall time limit {limits.wall_s:g} s" if walk - started > limits.wall_s else ""
            if over := over or _disk_over(rw, limits):
                os.killpg(process.pid, signal.SIGKILL)  # bwrap dies; its PID namespace takes every process along
                process.wait()
                return over
            # Poll often (writes run at ~1 GB/s) but spend at most a sixth of the time walking big trees.
            interval = min(1.0, max(0.1, 5 * (time.monotonic() - walk)))
    finally:
        os.close(pidfd)
    process.wait()
    return _disk_over(rw, limits)  # a run that finished over its quota still failed


def _pump(process: subprocess.Popen[bytes], tail: bytearray) -> None:
    """Keep only the output's last OUTPUT_LIMIT bytes: a run printing gigabytes must not fill our memory."""
    assert process.stdout is not None
    while chunk := process.stdout.read1(65536):
        tail += chunk
        del tail[:-OUTPUT_LIMIT]


@functools.cache
def probe() -> SandboxStatus:
    """Run a trivial command through the real path once per process; /health shows it, runs refuse without it."""
    if not shutil.which("bwrap"):
        return SandboxStatus(False, "bwrap is not installed (apt-get install bubblewrap)")
    with tempfile.TemporaryDirectory() as folder:
        try:
            result = _run(["/bin/true"], rw=Path(folder), cwd=RW_INSIDE, ro_binds=(), network=False, env={},
                          limits=Limits(wall_s=20), tmpfs=(), rw_inside=RW_INSIDE)
        except (OSError, subprocess.SubprocessError, SandboxUnavailable) as error:
            return SandboxStatus(False, f"sandbox failed to start: {error}")
    if not result.ok:
        return SandboxStatus(False, f"sandbox failed to start: {result.output.strip()[-300:]}")
    if os.geteuid() != 0:
        return SandboxStatus(True, "degraded: not root, so runs share the service's uid (bwrap user namespace)")
    group = RunCgroup(Limits())
    group.close()
    memory = "cgroup memory limit" if group.memory else f"no memory cgroup: RLIMIT_AS at {AS_FACTOR}x memory_mb"
    return SandboxStatus(True, f"bwrap as a per-run uid; {memory}")


def read_output(rw: Path, relative: str, limit: int = 16 * 2**20) -> bytes | None:
    """Read a file a run wrote, refusing links or FIFOs that would make the (root) service read something else."""
    path = rw / relative
    if not path.resolve().is_relative_to(rw.resolve()):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit) if stat.S_ISREG(os.fstat(fd).st_mode) else None
