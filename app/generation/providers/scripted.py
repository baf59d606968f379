"""A provider that replays scripted answers and records every call, for tests of the agents."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.generation.providers import register_provider
from app.generation.providers.base import CallControl, Completion, Provider, ProviderError, Task, Usage


@register_provider
class ScriptedProvider(Provider):
    """Answers come from `script`: a function of the task, or a queue of texts per task kind."""

    name = "scripted"

    def __init__(self, script: dict[str, list[str]] | Callable[[Task], str] | None = None,
                 usage: Usage = Usage(), **_options) -> None:
        self.script = script or {}
        self.usage = usage
        self.calls: list[Task] = []
        self._lock = threading.Lock()

    def complete(self, task: Task, on_text: Callable[[str], None] | None = None,
                 control: CallControl | None = None) -> Completion:
        with self._lock:
            self.calls.append(task)
            if callable(self.script):
                text = self.script(task)
            else:
                answers = self.script.get(task.kind)
                if not answers:
                    raise ProviderError(f"the script has no answer left for a {task.kind!r} task")
                text = answers.pop(0) if len(answers) > 1 else answers[0]
        if on_text:
            on_text(text)
        return Completion(text=text, usage=self.usage, model="scripted")
