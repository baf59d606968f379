"""Response shapes of the JSON API (DESIGN.md's seed-compatible shapes), used to answer and to document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.generation.project_templates.spec import TemplateId
from app.models import Job

Status = Literal["queued", "running", "completed", "failed", "cancelled"]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    success: Literal[False] = False
    error: ErrorDetail


class JobLinks(BaseModel):
    self: str = Field(description="This job in the JSON API")
    html: str = Field(description="The job's page in the browser")
    ws: str = Field(description="The JSON WebSocket; subscribe with this job's id")
    download: str = Field(description="The generated project as a zip")


class AgentUsage(BaseModel):
    model_config = ConfigDict(extra="allow")

    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = Field(default=0.0, description="null when the model has no known price")
    calls: int = 0


class JobOut(BaseModel):
    id: str
    name: str
    template_id: str
    status: Status
    progress: int = Field(ge=0, le=100)
    current_agent: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    error: str | None
    tokens: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None = Field(description="US dollars; null when a model without a known price was used "
                                   "(set CODEGEN_MODEL_PRICES)")
    files_count: int
    verified: bool
    parent_id: str | None
    team_id: int | None
    request_id: str | None
    usage: dict[str, AgentUsage] = Field(description="Tokens, cost and calls per agent")
    links: JobLinks


def job_links(job_id: str) -> JobLinks:
    return JobLinks(self=f"/api/jobs/{job_id}", html=f"/jobs/{job_id}", ws="/ws",
                    download=f"/api/jobs/{job_id}/download")


def known_cost(job: Job) -> float | None:
    """The job's cost, or None when one of its calls used a model without a known price."""
    if any(isinstance(agent, dict) and "cost_usd" in agent and agent["cost_usd"] is None
           for agent in (job.usage or {}).values()):
        return None
    return float(job.cost_usd or 0.0)


def job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id, name=job.name, template_id=job.template_id, status=job.status, progress=job.progress,
        current_agent=job.current_agent, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at, duration_s=job.duration_s, error=job.error, tokens=job.tokens,
        tokens_in=job.tokens_in, tokens_out=job.tokens_out, cost_usd=known_cost(job),
        files_count=job.files_count, verified=job.verified, parent_id=job.parent_id, team_id=job.team_id,
        request_id=job.request_id, usage=job.usage or {}, links=job_links(job.id),
    )


class JobResponse(BaseModel):
    success: Literal[True] = True
    job: JobOut


class JobCreated(BaseModel):
    success: Literal[True] = True
    job_id: str
    status: Status
    message: str
    links: JobLinks


class JobActionResponse(BaseModel):
    success: Literal[True] = True
    message: str
    job: JobOut


class Pagination(BaseModel):
    limit: int
    next: str | None = Field(description="The next page's URL, or null on the last page")
    cursor: str | None = Field(description="The cursor the next page starts after")


class JobList(BaseModel):
    success: Literal[True] = True
    jobs: list[JobOut]
    pagination: Pagination


class FileOut(BaseModel):
    path: str
    size: int
    sha256: str


class FileList(BaseModel):
    success: Literal[True] = True
    files: list[FileOut]


class ProjectTemplateOut(BaseModel):
    id: TemplateId
    name: str
    description: str
    category: Literal["frontend", "backend", "fullstack"]
    complexity: Literal["simple", "medium", "complex"]
    features: list[str]
    languages: list[str]
    frameworks: list[str]
    files: list[str] = Field(description="The files of the starter project")


class ProjectTemplateList(BaseModel):
    success: Literal[True] = True
    count: int
    templates: list[ProjectTemplateOut]


class ProjectTemplateResponse(BaseModel):
    success: Literal[True] = True
    template: ProjectTemplateOut


class DurationFigures(BaseModel):
    median: float | None
    p95: float | None
    sample: int = Field(description="How many recently completed jobs the figures are taken from")


class TokenFigures(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    in_: int = Field(alias="in")
    out: int
    total: int


class JobFigures(BaseModel):
    total: int
    queued: int
    running: int
    completed: int
    failed: int
    cancelled: int
    success_rate: float = Field(description="Completed jobs as a percentage of all jobs")
    by_status: dict[str, int]
    duration_s: DurationFigures
    tokens: TokenFigures
    cost_usd: float


class QueueFigures(BaseModel):
    name: str
    depth: int | None = Field(description="Jobs waiting; null while Redis is not answering")


class WorkerFigures(BaseModel):
    busy: int
    idle: int
    total: int


class SystemFigures(BaseModel):
    cpu_percent: float
    memory_percent: float
    disk_percent: float
    uptime: int = Field(description="Seconds since this web process started")


class AgentFigures(BaseModel):
    active: int
    total_agents: int
    names: list[str]


class Stats(BaseModel):
    jobs: JobFigures
    queue: QueueFigures
    workers: WorkerFigures | None
    system: SystemFigures
    agents: AgentFigures
    as_of: datetime = Field(description="When the job figures were computed (they are shared for a few seconds)")


class StatsResponse(BaseModel):
    success: Literal[True] = True
    message: str
    stats: Stats
