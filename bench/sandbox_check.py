"""What the sandbox costs: a warm check of a generated fastapi-backend project, isolated vs unisolated.

    .venv/bin/python bench/sandbox_check.py [--rounds 7]

Both ways run the same pytest suite through `run_checks` (as the Tester does) with a warm dependency cache,
alternating round by round in one process so that both see the same machine; the medians and their ratio
are printed. The unisolated way is what every check was before the sandbox (a plain subprocess with limits).
A third way runs unisolated with its temporary folders on a tmpfs (/dev/shm), as the sandbox's private /tmp
is: the generated tests write a SQLite file per test there, so this separates the sandbox's own overhead
from the speed of its tmpfs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from app.generation.paths import write_tree
from app.generation.project_templates import get_template
from app.generation.project_templates.spec import ProjectSpec
from app.generation.sandbox import probe, run_checks

WAYS = ("unisolated", "unisolated, tmpfs", "isolated")
ENTITIES = [{"name": "Task", "fields": [{"name": "title"}, {"name": "done", "type": "bool"},
                                        {"name": "due", "type": "date", "required": False}]},
            {"name": "Category", "fields": [{"name": "label"}]}]


def check_once(files: dict[str, bytes], cache: Path, way: str) -> float:
    template = get_template("fastapi-backend")
    isolated = way == "isolated"
    tempfile.tempdir = "/dev/shm" if way == "unisolated, tmpfs" else None  # where run_checks puts HOME and TMPDIR
    with tempfile.TemporaryDirectory(prefix="bench-check-") as work:
        project = Path(work) / "project"
        write_tree(project, files)
        started = time.perf_counter()
        (result,) = run_checks(project, template.checks, cache, log=lambda *_: None, isolated=isolated)
        elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"the check failed ({way}):\n{result.output}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    status = probe()
    if not status.available:
        raise SystemExit(f"no sandbox here: {status.reason}")
    print(f"sandbox: {status.reason}")
    template = get_template("fastapi-backend")
    spec = ProjectSpec(template_id=template.id, name="bench-api", entities=ENTITIES, features=["auth"])
    files = {f.path: f.content.encode() for f in template.render(spec)}
    cache = Path(tempfile.mkdtemp(prefix="bench-envs-"))
    try:
        for way in WAYS:  # cold: fills both caches (and the page cache), not timed
            check_once(files, cache, way)
        times: dict[str, list[float]] = {way: [] for way in WAYS}
        for _ in range(args.rounds):
            for way in WAYS:
                times[way].append(check_once(files, cache, way))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    median = {way: statistics.median(values) for way, values in times.items()}
    print(f"warm check, median of {args.rounds} rounds:")
    for way in WAYS:
        print(f"  {way:<18} {median[way]:.2f} s  ({', '.join(f'{t:.2f}' for t in times[way])})")
    print(f"ratio isolated / unisolated (today's way): {median['isolated'] / median['unisolated']:.2f}; "
          f"isolated / unisolated on a tmpfs: {median['isolated'] / median['unisolated, tmpfs']:.2f}")


if __name__ == "__main__":
    main()
