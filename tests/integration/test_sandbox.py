"""A generated project's checks run with a time limit, resource limits and none of the service's secrets."""

import os
import sys
import time

import psutil

from app.generation.sandbox import EnvCache, run_limited


def test_the_service_secrets_do_not_reach_the_project(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-service-secret")
    monkeypatch.setenv("SECRET_KEY", "service-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://svc:pw@db/codegen")
    cache = EnvCache(tmp_path / "cache")

    result = run_limited([sys.executable, "-c", "import os, json; print(json.dumps(dict(os.environ)))"],
                         tmp_path, cache.env(tmp_path))

    assert result.ok
    assert "service-secret" not in result.output and "svc:pw" not in result.output
    assert f'"HOME": "{tmp_path}"' in result.output and '"CI": "true"' in result.output


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_hung_check_is_stopped_with_everything_it_started(tmp_path):
    marker = tmp_path / "child.pid"
    started = time.monotonic()

    result = run_limited(["sh", "-c", f"sleep 60 & echo $! > {marker}; wait"], tmp_path, {"PATH": os.environ["PATH"]},
                         timeout_s=1)

    assert result.timed_out and not result.ok
    assert time.monotonic() - started < 10
    assert "no answer within 1s" in result.output
    child = int(marker.read_text())
    deadline = time.monotonic() + 5  # SIGKILL is delivered asynchronously; give the kernel a moment
    while alive(child):
        assert time.monotonic() < deadline, "the check's background child survived the timeout"
        time.sleep(0.05)


def test_cpu_time_is_limited(tmp_path):
    result = run_limited([sys.executable, "-c", "while True: pass"], tmp_path, {"PATH": os.environ["PATH"]},
                         timeout_s=30, cpu_s=1)

    assert not result.ok and not result.timed_out and result.duration_s < 15


def test_file_size_is_limited(tmp_path):
    code = "open('big', 'wb').write(b'x' * (3 * 1024 * 1024))"
    result = run_limited([sys.executable, "-c", code], tmp_path, {"PATH": os.environ["PATH"]}, file_mb=1)

    assert not result.ok
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_long_output_keeps_its_tail(tmp_path):
    result = run_limited([sys.executable, "-c", "print('x' * 200000); print('the end')"], tmp_path,
                         {"PATH": os.environ["PATH"]})

    assert result.ok and result.output.rstrip().endswith("the end") and len(result.output) < 70000
