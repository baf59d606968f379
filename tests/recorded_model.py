"""A recorded model: replays the answers in evals/recordings/*.json to the prompts the agents send.

It finds the project in each prompt and the kind of answer wanted (plan, design, tests for a requirement, edits
of a file, review, repair), and answers as recorded; a project it has no recording for is refused (400), so a
job fails fast and says why."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.openai_server import Reply

RECORDINGS = Path(__file__).resolve().parents[1] / "evals" / "recordings"


def load_recordings() -> dict[str, dict[str, str]]:
    answers: dict[str, dict[str, str]] = {}
    for path in sorted(RECORDINGS.glob("*.json")):
        answers.update(json.loads(path.read_text()))
    return answers


def key_of(request: dict[str, Any]) -> tuple[str | None, str | None]:
    """(project name, answer key) of a chat request the agents sent."""
    system = request["messages"][0]["content"]
    user = request["messages"][-1]["content"] if len(request["messages"]) < 3 else request["messages"][1]["content"]
    name = re.search(r"^Name: (.+)$", user, re.M) or re.search(r'Spec: \{"template_id":"[^"]*","name":"([^"]+)"', user)
    project = name.group(1).strip() if name else None
    if "You plan software projects" in system:
        return project, "plan"
    if "You are the architect" in system:
        return project, "design"
    if "You design acceptance tests" in system:
        requirement = re.search(r"^Requirement (R\d+):", user, re.M)
        return project, f"tests:{requirement.group(1)}" if requirement else None
    if "implementing requirements" in system:
        path = re.search(r"^(?:The file to change, (\S+):|Create the new file (\S+)\.)$", user, re.M)
        return project, f"edit:{path.group(1) or path.group(2)}" if path else None
    if "You review generated code" in system:
        return project, "review"
    if "You fix a generated project" in system:
        return project, "repair"
    return project, None


class RecordedModel:
    """The default answer function of an OpenAIServer; `overrides` replace answers by key for one test."""

    def __init__(self, overrides: dict[str, str] | None = None, usage: tuple[int, int] | None = None) -> None:
        self.answers = load_recordings()
        self.overrides = overrides or {}
        self.usage = usage  # fixed tokens per call; by default about a token per four characters
        self.keys: list[tuple[str | None, str | None]] = []

    def __call__(self, request: dict[str, Any]) -> Reply:
        project, key = key_of(request)
        self.keys.append((project, key))
        if key in self.overrides:
            return Reply(text=self.overrides[key], usage=self.usage or (100, 50))
        recorded = self.answers.get(project or "", {})
        if key not in recorded:
            return Reply(status=400)  # no recording: refused at once (a 400 is not retried)
        usage = self.usage or (len(json.dumps(request["messages"])) // 4, len(recorded[key]) // 4)
        return Reply(text=recorded[key], usage=usage)
