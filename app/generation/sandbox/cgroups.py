"""One sandbox run's cgroup: memory and process limits, out-of-memory detection, and killing what is left."""

from __future__ import annotations

import os
import signal
import time
import uuid
from contextlib import suppress
from pathlib import Path
from typing import Protocol


class _Sized(Protocol):
    memory_mb: int
    processes: int


class RunCgroup:
    """The run's cgroup in every hierarchy we may write (v2, or v1 memory/pids on hybrid hosts).

    Where none is writable (not root, or no delegation) `dirs` stays empty and the rlimits alone apply."""

    def __init__(self, limits: _Sized) -> None:
        name, mem = f"codegen-sandbox-{uuid.uuid4().hex[:12]}", str(limits.memory_mb * 2**20)
        self.dirs: list[Path] = []
        self.memory = False
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers == "":  # v2; "unified" is where hybrid hosts mount it
                base = Path("/sys/fs/cgroup" if Path("/sys/fs/cgroup/cgroup.controllers").exists()
                            else "/sys/fs/cgroup/unified") / path.lstrip("/")
                enabled = (base / "cgroup.subtree_control").read_text().split() if base.exists() else []
                files = {"memory.max": mem, "memory.swap.max": "0"} if "memory" in enabled else {}
                files |= {"pids.max": str(limits.processes)} if "pids" in enabled else {}
            elif controllers in ("memory", "pids"):
                base = Path("/sys/fs/cgroup", controllers, path.lstrip("/"))
                files = ({"memory.limit_in_bytes": mem, "memory.memsw.limit_in_bytes": mem}
                         if controllers == "memory" else {"pids.max": str(limits.processes)})
            else:
                continue
            try:
                (base / name).mkdir()
            except OSError:
                continue  # not ours to write: the rlimits still apply
            self.dirs.append(base / name)
            for file, value in files.items():
                try:
                    (base / name / file).write_text(value)
                    self.memory |= file.startswith("memory.")
                except OSError:
                    pass  # e.g. memsw without swap accounting; memory.limit_in_bytes alone still binds

    def join(self) -> None:
        """Called in the child before exec, so every process of the run is born inside."""
        for folder in self.dirs:
            fd = os.open(folder / "cgroup.procs", os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)

    def oom_killed(self) -> bool:
        for folder in self.dirs:
            for file in ("memory.events", "memory.oom_control"):  # v2, v1
                with suppress(OSError):
                    for line in (folder / file).read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill" and value.strip() != "0":
                            return True
        return False

    def close(self) -> None:
        """Kill whatever is left (cgroup.kill on v2, SIGKILL each pid on v1) and remove the cgroups."""
        for folder in self.dirs:
            for _ in range(100):
                with suppress(OSError):
                    if (folder / "cgroup.kill").exists():
                        (folder / "cgroup.kill").write_text("1")
                    for pid in [int(p) for p in (folder / "cgroup.procs").read_text().split()]:
                        with suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                with suppress(OSError):
                    folder.rmdir()
                    break
                time.sleep(0.02)
