"""The generated app/routers/ package: the health route and one CRUD module per entity (auth's are in accounts.py)."""

from __future__ import annotations

import builtins
import keyword

from .. import GeneratedFile
from ..spec import EntitySpec
from ..verbatim import verbatim
from .python_code import fill

# Names a router module binds or reads itself; an entity whose snake name is one of them, a keyword or a builtin
# (`class`, `list`) gets a neutral local name.
_ROUTER_NAMES = frozenset({"router", "status", "select", "models", "schemas", "session", "limit", "offset", "query",
                           "name", "value", "current_user", "annotated", "depends"}) | frozenset(dir(builtins))

PACKAGE = verbatim("backend", "app/routers/__init__.py", "Marks `app.routers` as a package")

HEALTH_ROUTER = verbatim("backend", "app/routers/health.py", "Health route: 200 when the database answers, 503 when "
                         "not", ("app/database.py",))


def entity_router(entity: EntitySpec, auth: bool) -> GeneratedFile:
    one = "item" if entity.snake in _ROUTER_NAMES or keyword.iskeyword(entity.snake) else entity.snake
    content = fill("""
        \"\"\"$plural_label: list, create, read, replace and delete.\"\"\"

        from typing import Annotated

        from fastapi import APIRouter, ${depends_import}HTTPException, Query, status
        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from app import models, schemas
        from app.database import SessionDep
        $security_import
        router = APIRouter(prefix="/$kebab", tags=["$kebab"]$protected)


        @router.get("", response_model=list[schemas.${cls}Out])
        def list_$plural(
            session: SessionDep,
            limit: Annotated[int, Query(ge=1, le=100)] = 50,
            offset: Annotated[int, Query(ge=0)] = 0,
        ) -> list[models.$cls]:
            query = select(models.$cls).order_by(models.$cls.id).limit(limit).offset(offset)
            return list(session.scalars(query))


        @router.post("", response_model=schemas.${cls}Out, status_code=status.HTTP_201_CREATED)
        $create_def
            $one = models.$cls(**${snake}_in.model_dump())
            session.add($one)
            session.commit()
            session.refresh($one)
            return $one


        @router.get("/{${snake}_id}", response_model=schemas.${cls}Out)
        $read_def
            return _get_or_404(session, ${snake}_id)


        @router.put("/{${snake}_id}", response_model=schemas.${cls}Out)
        $replace_def
            $one = _get_or_404(session, ${snake}_id)
            for name, value in ${snake}_in.model_dump().items():
                setattr($one, name, value)
            session.commit()
            session.refresh($one)
            return $one


        @router.delete("/{${snake}_id}", status_code=status.HTTP_204_NO_CONTENT)
        $delete_def
            session.delete(_get_or_404(session, ${snake}_id))
            session.commit()


        $get_def
            $one = session.get(models.$cls, ${snake}_id)
            if $one is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"$label {${snake}_id} not found")
            return $one
        """, plural_label=entity.plural_label, kebab=entity.plural_kebab, cls=entity.class_name,
        plural=entity.plural_snake, snake=entity.snake, one=one, label=entity.label,
        depends_import="Depends, " if auth else "", **_route_signatures(entity),
        security_import="from app.security import current_user\n" if auth else "",
        protected=", dependencies=[Depends(current_user)]" if auth else "")
    depends = ("app/database.py", "app/models.py", "app/schemas.py") + (("app/security.py",) if auth else ())
    return GeneratedFile(f"app/routers/{entity.module}.py", content,
                         f"CRUD routes for {entity.plural_label.lower()}"
                         + (", behind the bearer-token dependency" if auth else ""), depends)


def _route_signatures(entity: EntitySpec) -> dict[str, str]:
    snake, cls = entity.snake, entity.class_name
    ident, body = f"{snake}_id: int", f"{snake}_in: schemas.{cls}In"
    return {
        "create_def": _signature(f"create_{snake}", [body, "session: SessionDep"], f"models.{cls}"),
        "read_def": _signature(f"read_{snake}", [ident, "session: SessionDep"], f"models.{cls}"),
        "replace_def": _signature(f"replace_{snake}", [ident, body, "session: SessionDep"], f"models.{cls}"),
        "delete_def": _signature(f"delete_{snake}", [ident, "session: SessionDep"], "None"),
        "get_def": _signature("_get_or_404", ["session: Session", ident], f"models.{cls}"),
    }


def _signature(name: str, params: list[str], returns: str) -> str:
    """A `def` line, its parameters one a line when a single line would pass 100 characters."""
    line = f"def {name}({', '.join(params)}) -> {returns}:"
    if len(line) <= 100:
        return line
    return f"def {name}(\n" + "".join(f"    {param},\n" for param in params) + f") -> {returns}:"
