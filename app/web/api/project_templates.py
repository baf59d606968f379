"""The project templates a job can start from (React app, FastAPI backend, full-stack app)."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify

from app.generation.project_templates import all_templates
from app.web.api import bp
from app.web.api.errors import ApiError
from app.web.api.openapi import operation, public
from app.web.api.responses import ProjectTemplateList, ProjectTemplateOut, ProjectTemplateResponse


@cache
def _catalogue() -> dict[str, dict[str, Any]]:
    # Rendering each starter project to list its files takes a while; the templates never change at runtime.
    return {t.id: ProjectTemplateOut.model_validate(t.metadata()).model_dump(mode="json") for t in all_templates()}


@bp.get("/templates")
@public
@operation("List the project templates", responses={200: ProjectTemplateList}, tag="templates")
def list_templates():
    """Every project template a job can start from, with its features, languages and starter files."""
    templates = list(_catalogue().values())
    return jsonify({"success": True, "count": len(templates), "templates": templates})


@bp.get("/templates/<template_id>")
@public
@operation("Show one project template", responses={200: ProjectTemplateResponse}, errors=(404,), tag="templates")
def show_template(template_id: str):
    template = _catalogue().get(template_id)
    if template is None:
        raise ApiError(404, "not_found", f"there is no project template {template_id!r}; "
                       f"choose one of {', '.join(_catalogue())}")
    return jsonify({"success": True, "template": template})
