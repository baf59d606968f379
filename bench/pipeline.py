"""How long the offline pipeline takes per project template, with a cold and a warm dependency cache.

    .venv/bin/python bench/pipeline.py [--rounds 2]

Generation (planner → reviewer) and verification (tester) are timed apart; the warm run reuses the
environment cache that the cold run filled, as a second job with the same dependencies would.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.generation.providers import make_provider
from app.generation.runner import new_context, run_context
from app.settings import load_settings

ENTITIES = [{"name": "Task", "fields": [{"name": "title"}, {"name": "done", "type": "bool"},
                                        {"name": "due", "type": "date", "required": False}]},
            {"name": "Category", "fields": [{"name": "label"}]}]


class Timings:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.tester_started: float | None = None

    def __call__(self, *, type: str, agent: str | None, status: str, **_event) -> None:
        if type == "agent" and agent == "tester" and status == "started":
            self.tester_started = time.perf_counter()


def run_once(template_id: str, cache: Path, instance: Path) -> tuple[float, float, int]:
    settings = load_settings({"INSTANCE_PATH": str(instance)}, dotenv=None)
    timings = Timings()
    request = {"template_id": template_id, "name": "bench-app", "entities": ENTITIES, "features": ["auth"]}
    ctx = new_context("bench", request, make_provider("offline"), timings, settings)
    ctx.cache_dir = cache
    outcome = run_context(ctx)
    finished = time.perf_counter()
    if outcome.error:
        raise SystemExit(f"{template_id}: {outcome.error}")
    generate = (timings.tester_started or finished) - timings.started
    return generate, finished - (timings.tester_started or finished), len(ctx.files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="warm runs per template (median reported)")
    args = parser.parse_args()
    print("| project template | files | generate (s) | verify, cold cache (s) | verify, warm (s) | warm / cold |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for template_id in ("fastapi-backend", "react-app", "fullstack-app"):
        with tempfile.TemporaryDirectory() as folder:
            cache, instance = Path(folder) / "cache", Path(folder) / "instance"
            generate, cold, files = run_once(template_id, cache, instance)
            warm_runs = [run_once(template_id, cache, instance) for _ in range(args.rounds)]
            warm = statistics.median(run[1] for run in warm_runs)
            generate = statistics.median([generate, *(run[0] for run in warm_runs)])
            print(f"| {template_id} | {files} | {generate:.2f} | {cold:.1f} | {warm:.1f} | {warm / cold:.2f} |")


if __name__ == "__main__":
    main()
