"""Running one generation: build the pipeline context for a request, run it, and describe the outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.generation.agents import JobCancelled, PipelineContext, PipelineError
from app.generation.agents.base import Emit
from app.generation.pipeline import run_pipeline
from app.generation.providers import Budget, BudgetExceeded, Provider, ProviderError, make_provider
from app.generation.request import runs_checks
from app.settings import Settings


@dataclass
class Outcome:
    status: Literal["completed", "failed", "cancelled"]  # the job's final status (the worker stores it)
    error: str | None


def provider_for(settings: Settings, options: dict[str, Any]) -> Provider:
    name = settings.effective_provider
    if name == "openai":
        return make_provider("openai", api_key=settings.openai_api_key, base_url=settings.openai_base_url,
                             model=options.get("model") or settings.model, timeout_s=settings.call_timeout_s,
                             prices=settings.model_prices)
    return make_provider(name, pace_ms=settings.offline_pace_ms)


def budget_for(options: dict[str, Any]) -> Budget:
    max_tokens = options.get("max_tokens")
    max_cost = options.get("max_cost_usd")
    return Budget(int(max_tokens) if max_tokens else None, float(max_cost) if max_cost else None)


def new_context(job_id: str, request: dict[str, Any], provider: Provider, emit: Emit, settings: Settings,
                **overrides: Any) -> PipelineContext:
    options = request.get("options") or {}
    return PipelineContext(
        job_id=job_id, request=request, provider=provider, emit=emit, budget=budget_for(options),
        cache_dir=Path(settings.instance_path) / "cache" / "envs",
        run_checks=runs_checks(options), deadline=time.monotonic() + settings.job_deadline_s,
        **{"sandbox_policy": "allow-unisolated" if settings.unisolated_checks else "required", **overrides},
    )


def run_context(ctx: PipelineContext) -> Outcome:
    """Run the pipeline and turn every way it can end into a final status with a reason."""
    try:
        run_pipeline(ctx)
    except JobCancelled:
        return Outcome("cancelled", "cancelled by request")
    except BudgetExceeded as exc:
        return Outcome("failed", f"stopped: {exc}")
    except (PipelineError, ProviderError) as exc:
        return Outcome("failed", str(exc))
    return Outcome("completed", None)


def usage_summary(ctx: PipelineContext) -> dict[str, dict[str, Any]]:
    """Tokens, cost and calls per agent; `cost_usd` is None where a model without a known price was used."""
    return {agent: {"tokens_in": u.tokens_in, "tokens_out": u.tokens_out, "cost_usd": u.known_cost,
                    "calls": ctx.calls_by_agent.get(agent, 0)} for agent, u in ctx.usage_by_agent.items()}


def report_of(ctx: PipelineContext) -> dict[str, Any]:
    return {"findings": [f.to_dict() for f in ctx.findings], "checks": [c.to_dict() for c in ctx.checks],
            "repair_rounds": ctx.repair_round, "verified": ctx.verified,
            "requirements": [r.model_dump() for r in ctx.spec.requirements] if ctx.spec else [],
            "changes": [c.to_dict() for c in ctx.changes], "frozen": ctx.frozen.to_dict(),
            "frozen_problems": ctx.frozen_problems[:50], "cost_known": ctx.budget.spent.priced}


def spec_record(ctx: PipelineContext) -> dict[str, Any] | None:
    """What the job row keeps of the spec: enough to improve the project later."""
    if ctx.spec is None:
        return None
    return {"entities": [e.model_dump() for e in ctx.spec.entities], "features": ctx.spec.features,
            "requirements": [r.model_dump() for r in ctx.spec.requirements]}
