"""Running one generation: build the pipeline context for a request, run it, and describe the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.generation.agents import JobCancelled, PipelineContext, PipelineError
from app.generation.agents.base import Emit
from app.generation.pipeline import run_pipeline
from app.generation.providers import Budget, BudgetExceeded, Provider, ProviderError, make_provider
from app.settings import Settings


@dataclass
class Outcome:
    status: Literal["completed", "failed", "cancelled"]  # the job's final status (the worker stores it)
    error: str | None


def provider_for(settings: Settings, options: dict[str, Any]) -> Provider:
    name = settings.effective_provider
    if name == "openai":
        return make_provider("openai", api_key=settings.openai_api_key, base_url=settings.openai_base_url,
                             model=options.get("model") or settings.model)
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
        run_checks=bool(options.get("run_checks", True)), **overrides,
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
    return {agent: {"tokens_in": u.tokens_in, "tokens_out": u.tokens_out, "cost_usd": u.cost_usd,
                    "calls": ctx.calls_by_agent.get(agent, 0)} for agent, u in ctx.usage_by_agent.items()}


def report_of(ctx: PipelineContext) -> dict[str, Any]:
    return {"findings": [f.to_dict() for f in ctx.findings], "checks": [c.to_dict() for c in ctx.checks],
            "repair_rounds": ctx.repair_round, "verified": ctx.verified}
