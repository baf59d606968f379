"""The generated app/routers/ package: the health route and one CRUD module per entity (auth's are in accounts.py)."""

from __future__ import annotations

import builtins
import keyword

from .. import GeneratedFile
from ..spec import EntitySpec, FieldSpec, ProjectSpec
from ..verbatim import verbatim
from .python_code import SAFE_INTEGER, attribute, fill, owner_column

# Names a router module binds or reads itself; an entity whose snake name is one of them, a keyword or a builtin
# (`class`, `list`) gets a neutral local name.
_ROUTER_NAMES = frozenset({"router", "status", "select", "func", "models", "schemas", "session", "limit", "offset",
                           "query", "name", "value", "total", "errors", "response", "user", "current_user",
                           "annotated", "depends"}) | frozenset(dir(builtins))

PACKAGE = verbatim("backend", "app/routers/__init__.py", "Marks `app.routers` as a package")

HEALTH_ROUTER = verbatim("backend", "app/routers/health.py", "Health route: 200 when the database answers, 503 when "
                         "not", ("app/database.py",))


def relations(spec: ProjectSpec, entity: EntitySpec) -> list[tuple[FieldSpec, EntitySpec]]:
    """The relation fields of `entity`, each with the entity it refers to."""
    by_snake = {e.snake: e for e in spec.entities}
    return [(field, by_snake[field.target]) for field in entity.fields if field.target]


def children(spec: ProjectSpec, entity: EntitySpec) -> list[tuple[EntitySpec, FieldSpec]]:
    """The entities whose records refer to `entity`'s, each with its relation field."""
    return [(child, field) for child in spec.entities for field, target in relations(spec, child) if target == entity]


def entity_router(entity: EntitySpec, spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    one = "item" if entity.snake in _ROUTER_NAMES or keyword.iskeyword(entity.snake) else entity.snake
    cls, snake, links = entity.class_name, entity.snake, relations(spec, entity)
    user = "user" if auth else ""
    filters = "".join(f"    {attribute(f)}: Annotated[int | None, Query(ge=1, le={SAFE_INTEGER:_})] = None,\n"
                      for f, _ in links)
    where = "".join(f"    if {attribute(f)} is not None:\n"
                    f"        query = query.where(models.{cls}.{attribute(f)} == {attribute(f)})\n" for f, _ in links)
    visible = f"_visible({user})" if auth else f"select(models.{cls})"
    check = f"    _check_references(session, {snake}_in{', user' if auth else ''})\n" if links else ""
    # A relation to its own entity must not lead back to the record being changed (a loop no delete could undo).
    update_check = (f"    _check_references(session, {snake}_in{', user' if auth else ''}, {snake}_id)\n"
                    if any(target == entity for _, target in links) else check)
    content = fill("""
        \"\"\"$plural_label: list$filtered, create, read, replace, change and delete.\"\"\"

        from typing import Annotated

        from fastapi import APIRouter, ${depends_import}HTTPException, Query, Response, status
        from sqlalchemy import ${select_import}func, select
        from sqlalchemy.orm import Session

        from app import models, schemas
        from app.database import SessionDep
        $security_import
        router = APIRouter(prefix="/$kebab", tags=["$kebab"]$protected)


        @router.get("", response_model=list[schemas.${cls}Out])
        def list_$plural(
            session: SessionDep,
            response: Response,
        $user_param$filters    limit: Annotated[int, Query(ge=1, le=100)] = 50,
            offset: Annotated[int, Query(ge=0)] = 0,
        ) -> list[models.$cls]:
            \"\"\"One page of $plural_lower, oldest first; X-Total-Count says how many match in all.\"\"\"
            query = $visible
        $where    total = session.scalar(select(func.count()).select_from(query.subquery()))
            response.headers["X-Total-Count"] = str(total)
            return list(session.scalars(query.order_by(models.$cls.id).limit(limit).offset(offset)))


        @router.post("", response_model=schemas.${cls}Out, status_code=status.HTTP_201_CREATED)
        $create_def
        $check    $one = models.$cls(**${snake}_in.model_dump()$owner_arg)
            session.add($one)
            session.commit()
            session.refresh($one)
            return $one


        @router.get("/{${snake}_id}", response_model=schemas.${cls}Out)
        $read_def
            return _get_or_404(session, ${snake}_id$user_arg)


        @router.put("/{${snake}_id}", response_model=schemas.${cls}Out)
        $replace_def
            $one = _get_or_404(session, ${snake}_id$user_arg)
        $update_check    for name, value in ${snake}_in.model_dump().items():
                setattr($one, name, value)
            session.commit()
            session.refresh($one)
            return $one


        @router.patch("/{${snake}_id}", response_model=schemas.${cls}Out)
        $update_def
            $one = _get_or_404(session, ${snake}_id$user_arg)
        $update_check    for name, value in ${snake}_in.model_dump(exclude_unset=True).items():
                setattr($one, name, value)
            session.commit()
            session.refresh($one)
            return $one


        @router.delete("/{${snake}_id}", status_code=status.HTTP_204_NO_CONTENT)
        $delete_def
            $one = _get_or_404(session, ${snake}_id$user_arg)
        $children_check    session.delete($one)
            session.commit()


        $get_def
            $one = session.get(models.$cls, ${snake}_id)
            if $one is None$hidden:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"$label {${snake}_id} not found")
            return $one
        $extra""", plural_label=entity.plural_label, plural_lower=entity.plural_label.lower(),
        filtered=f" (by {', '.join(f.label.lower() for f, _ in links)})" if links else "",
        kebab=entity.plural_kebab, cls=cls, plural=entity.plural_snake, snake=snake, one=one, label=entity.label,
        depends_import="Depends, " if auth else "", select_import="Select, " if auth else "",
        security_import="from app.security import CurrentUser, current_user\n" if auth else "",
        protected=", dependencies=[Depends(current_user)]" if auth else "",
        user_param="    user: CurrentUser,\n" if auth else "", filters=filters, visible=visible, where=where,
        check=check, update_check=update_check, owner_arg=f", {owner_column(entity)}=user.id" if auth else "",
        user_arg=", user" if auth else "",
        hidden=f" or not (user.is_admin or {one}.{owner_column(entity)} == user.id)" if auth else "",
        children_check=_children_check(spec, entity, one), extra=_helpers(spec, entity),
        **_route_signatures(entity, auth))
    depends = ("app/database.py", "app/models.py", "app/schemas.py") + (("app/security.py",) if auth else ())
    return GeneratedFile(f"app/routers/{entity.module}.py", content,
                         f"CRUD routes for {entity.plural_label.lower()}"
                         + (", each record visible to its owner and admins" if auth else ""), depends)


def _children_check(spec: ProjectSpec, entity: EntitySpec, one: str) -> str:
    """Refuses (409) to delete a record others still refer to: their relation would point at nothing."""
    lines = []
    for child, field in children(spec, entity):
        lines += [
            f"    if session.scalar(select(models.{child.class_name}.id).where(\n"
            f"            models.{child.class_name}.{attribute(field)} == {one}.id).limit(1)) is not None:\n",
            f'        raise HTTPException(status.HTTP_409_CONFLICT, f"{entity.label} {{{one}.id}} still has '
            f'{child.plural_label.lower()}: delete them first")\n',
        ]
    return "".join(lines)


def _helpers(spec: ProjectSpec, entity: EntitySpec) -> str:
    auth, cls, links = spec.has("auth"), entity.class_name, relations(spec, entity)
    blocks = []
    if auth:
        blocks.append("\n\n\n" + fill("""
            def _visible(user: models.User) -> Select[tuple[models.$cls]]:
                \"\"\"The $plural_lower `user` may see: their own, or every one for an admin.\"\"\"
                query = select(models.$cls)
                return query if user.is_admin else query.where(models.$cls.$owner == user.id)
            """, cls=cls, plural_lower=entity.plural_label.lower(), owner=owner_column(entity)).rstrip("\n"))
    if links:
        body_type = f"schemas.{cls}In | schemas.{cls}Patch"
        own = any(target == entity for _, target in links)
        params = ", ".join(["session: Session", f"body: {body_type}", *(["user: models.User"] if auth else []),
                            *(["record_id: int | None = None"] if own else [])])
        checks = []
        for field, target in links:
            value = f"body.{attribute(field)}"
            hidden = (f" or not (user.is_admin or target.{owner_column(target)} == user.id)" if auth else "")
            loop = (f'        elif record_id is not None and _leads_to(session, target, "{attribute(field)}", '
                    f'record_id):\n'
                    f'            errors.append({{"type": "loop", "loc": ["body", "{field.snake}"], "input": {value},\n'
                    f'                           "msg": f"{target.label} {{{value}}} is this {target.label.lower()} '
                    f'or lies under it: that would make a loop"}})\n') if target == entity else ""
            checks.append(
                f"    if {value} is not None:\n"
                f"        target = session.get(models.{target.class_name}, {value})\n"
                f"        if target is None{hidden}:\n"
                f'            errors.append({{"type": "not_found", "loc": ["body", "{field.snake}"], '
                f'"input": {value},\n'
                f'                           "msg": f"{target.label} {{{value}}} not found"}})\n' + loop)
        if own:
            blocks.append("\n\n\n" + fill("""
                def _leads_to(session: Session, start: models.$cls, field: str, record_id: int) -> bool:
                    \"\"\"Whether following `field` up from `start` reaches the record `record_id` (or goes round a
                    loop already stored).\"\"\"
                    node: models.$cls | None = start
                    seen: set[int] = set()
                    while node is not None and node.id not in seen:
                        if node.id == record_id:
                            return True
                        seen.add(node.id)
                        above = getattr(node, field)
                        node = session.get(models.$cls, above) if above is not None else None
                    return node is not None
                """, cls=cls).rstrip("\n"))
        blocks.append("\n\n\ndef _check_references(" + params + ") -> None:\n"
                      '    """A relation must name a record that exists (and that the user may see): 422 otherwise, '
                      'in the\n    shape of every other invalid field."""\n'
                      "    errors: list[dict[str, object]] = []\n" + "".join(checks)
                      + "    if errors:\n        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, errors)")
    return "".join(blocks) + ("\n" if blocks else "")


def _route_signatures(entity: EntitySpec, auth: bool) -> dict[str, str]:
    snake, cls = entity.snake, entity.class_name
    ident, body, patch = f"{snake}_id: int", f"{snake}_in: schemas.{cls}In", f"{snake}_in: schemas.{cls}Patch"
    user = ["user: CurrentUser"] if auth else []
    return {
        "create_def": _signature(f"create_{snake}", [body, "session: SessionDep", *user], f"models.{cls}"),
        "read_def": _signature(f"read_{snake}", [ident, "session: SessionDep", *user], f"models.{cls}"),
        "replace_def": _signature(f"replace_{snake}", [ident, body, "session: SessionDep", *user], f"models.{cls}"),
        "update_def": _signature(f"update_{snake}", [ident, patch, "session: SessionDep", *user], f"models.{cls}"),
        "delete_def": _signature(f"delete_{snake}", [ident, "session: SessionDep", *user], "None"),
        "get_def": _signature("_get_or_404", ["session: Session", ident, *(["user: models.User"] if auth else [])],
                              f"models.{cls}"),
    }


def _signature(name: str, params: list[str], returns: str) -> str:
    """A `def` line, its parameters one a line when a single line would pass 100 characters."""
    line = f"def {name}({', '.join(params)}) -> {returns}:"
    if len(line) <= 100:
        return line
    return f"def {name}(\n" + "".join(f"    {param},\n" for param in params) + f") -> {returns}:"
