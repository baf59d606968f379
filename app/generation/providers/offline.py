"""The offline provider: deterministic, no network; answers from the project templates' renderers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import lru_cache

from app.generation.project_templates import GeneratedFile, ProjectSpec, get_template
from app.generation.providers import register_provider
from app.generation.providers.base import CallControl, Completion, Provider, Task


@lru_cache(maxsize=32)
def _rendered(spec_json: str) -> dict[str, GeneratedFile]:
    spec = ProjectSpec.model_validate_json(spec_json)
    return {f.path: f for f in get_template(spec.template_id).render(spec)}


@register_provider
class OfflineProvider(Provider):
    name = "offline"
    is_llm = False

    def __init__(self, pace_ms: int = 0, **_options) -> None:
        self.pace_s = pace_ms / 1000

    def complete(self, task: Task, on_text: Callable[[str], None] | None = None,
                 control: CallControl | None = None) -> Completion:
        if self.pace_s:
            time.sleep(self.pace_s)
        if task.kind == "file":
            spec: ProjectSpec = task.context["spec"]
            text = _rendered(spec.model_dump_json())[task.context["path"]].content
        elif task.kind == "plan":
            text = json.dumps({"entities": [], "features": []})
        elif task.kind == "review":
            text = json.dumps({"findings": []})
        elif task.kind == "repair":
            text = task.context["content"]
        else:
            raise ValueError(f"the offline provider has no answer for a {task.kind!r} task")
        return Completion(text=text, model="offline")
