"""`codegen eval` runs the suite against a replayed model and prints the truth: per task and in total."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.openai_server import OpenAIServer
from tests.recorded_model import RecordedModel

ROOT = Path(__file__).resolve().parents[2]


def test_codegen_eval_grades_each_task_with_its_hidden_tests(tmp_path):
    server = OpenAIServer(default=RecordedModel()).start()
    try:
        env = {**os.environ, "INSTANCE_PATH": str(tmp_path / "i"), "OPENAI_API_KEY": "sk-test",
               "OPENAI_BASE_URL": server.base_url, "CODEGEN_MODEL": "gpt-4o-mini", "CODEGEN_PROVIDER": "auto"}
        done = subprocess.run([sys.executable, "-m", "app.cli", "eval", "--task", "todo-stats", "--task",
                               "blog-publish", "--json", str(tmp_path / "eval.json")], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=900)
    finally:
        server.stop()

    assert done.returncode == 1, done.stderr  # not every hidden test passed: blog-publish has no recording
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert lines["todo-stats"].split()[2] == "yes" and " 2/2 " in lines["todo-stats"]
    assert lines["blog-publish"].split()[2] == "no"
    assert "blog-publish: the model endpoint refused the request (400)" in done.stdout
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["total"]["verified"] == 1 and report["total"]["tasks"] == 2
    todo = next(task for task in report["tasks"] if task["task"] == "todo-stats")
    assert todo["hidden_passed"] == todo["hidden_total"] == 2 and todo["tokens"] > 0 and todo["cost_usd"] > 0
