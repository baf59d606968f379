"""Jobs through the whole service (docs/benchmarks.md), each part in one run:

1. throughput: two workers, N checks-off jobs (offline provider) submitted at once through the API; jobs/s from
   the first submission to the last job's end.
2. first job: a brand-new instance's first fastapi-backend job with checks (the Tester installs its environment
   unless `codegen up`'s warm-up got there first) against a second, warm job of the same project template.

Run from the repository root: `.venv/bin/python bench/job_throughput.py [--jobs 100] [--skip-first-job]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.service import Service

FINAL = ("completed", "failed", "cancelled")


def wait(service: Service, key: str | list[str], job_ids: list[str], timeout_s: float = 1800) -> list[dict]:
    """Poll until every job ends; `key` is the owner's API key, or one per job."""
    keys = dict(zip(job_ids, key if isinstance(key, list) else [key] * len(job_ids), strict=True))
    deadline = time.monotonic() + timeout_s
    pending, done = set(job_ids), {}
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            job = service.job(keys[job_id], job_id)
            if job["status"] in FINAL:
                done[job_id] = job
                pending.discard(job_id)
        time.sleep(0.2)
    return [done[j] for j in job_ids if j in done]


def throughput(jobs: int) -> dict:
    with Service(workers=2) as service:
        keys = [service.api_key(f"client{n}@example.com") for n in range(jobs // 5 + 1)]
        started = time.monotonic()
        ids = [service.post_job(keys[n // 5], f"job-{n}") for n in range(jobs)]  # 5 per person: the active cap
        finished = wait(service, [keys[n // 5] for n in range(jobs)], ids)
        seconds = time.monotonic() - started
    return {"jobs": jobs, "completed": sum(j["status"] == "completed" for j in finished),
            "seconds": round(seconds, 1), "jobs_per_s": round(jobs / seconds, 2)}


def first_job(warm_up_s: float) -> dict:
    with Service(workers=1) as service:
        key = service.api_key()
        time.sleep(warm_up_s)  # a person signing in and filling the form; the warm-up runs meanwhile
        results = {}
        for label in ("first", "second"):
            started = time.monotonic()
            (job,) = wait(service, key, [service.post_job(key, f"{label}-job", run_checks=True)])
            results[label] = {"status": job["status"], "seconds": round(time.monotonic() - started, 1)}
    results["ratio"] = round(results["first"]["seconds"] / results["second"]["seconds"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--warm-up-s", type=float, default=30, help="time between start and the first job")
    parser.add_argument("--skip-first-job", action="store_true")
    args = parser.parse_args()
    print(json.dumps({"throughput": throughput(args.jobs)}), flush=True)
    if not args.skip_first_job:
        print(json.dumps({"first_job": first_job(args.warm_up_s)}), flush=True)


if __name__ == "__main__":
    main()
