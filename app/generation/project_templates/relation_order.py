"""The order in which a spec's records and tables can be created, and the relations that close a cycle."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import EntitySpec, FieldSpec


class _Cycle(Exception):
    def __init__(self, path: list[tuple[EntitySpec, FieldSpec]]) -> None:
        super().__init__()
        self.path = path  # each entity with the relation followed out of it, back to the first


def _topological(entities: list[EntitySpec], deferred: set[tuple[str, str]]) -> list[EntitySpec]:
    """The entities with each one after those it refers to (but by the deferred relations), else in the spec's
    order; raises _Cycle."""
    by_snake = {entity.snake: entity for entity in entities}
    done: list[EntitySpec] = []
    visiting: list[tuple[EntitySpec, FieldSpec]] = []

    def visit(entity: EntitySpec) -> None:
        if entity in done:
            return
        names = [e.snake for e, _ in visiting]
        if entity.snake in names:
            raise _Cycle(visiting[names.index(entity.snake):])
        for field in entity.fields:
            if (field.target in by_snake and not entity.refers_to_itself(field)
                    and (entity.snake, field.snake) not in deferred):
                visiting.append((entity, field))
                visit(by_snake[field.target])
                visiting.pop()
        done.append(entity)

    for entity in entities:
        visit(entity)
    return done


def plan(entities: list[EntitySpec]) -> tuple[list[EntitySpec], frozenset[tuple[str, str]]]:
    """The order in which records (and tables) can be created, and the relations left out of that order.

    A cycle between entities (a department's head is an employee, an employee belongs to a department) is broken
    at an optional relation: its record is saved first without the link, and its foreign key is added once both
    tables exist. A cycle of required relations is refused: none of its records could be saved first."""
    deferred: set[tuple[str, str]] = set()
    while True:
        try:
            return _topological(entities, deferred), frozenset(deferred)
        except _Cycle as cycle:
            optional = [(entity, field) for entity, field in cycle.path if not field.required]
            if not optional:
                path = " → ".join(f"{entity.name}.{field.name}" for entity, field in cycle.path)
                first = cycle.path[0][1]
                raise ValueError(f"relations between entities must not form a cycle of required fields ({path} → "
                                 f"{cycle.path[0][0].name}): no record of them could be saved first; make one of "
                                 f"these fields optional ({first.name}: {first.type}?)") from None
            entity, field = optional[-1]
            deferred.add((entity.snake, field.snake))


def ordered_entities(entities: list[EntitySpec]) -> list[EntitySpec]:
    """The entities with each one after the entities it refers to, otherwise in the spec's order; an optional
    relation that closes a cycle (see `deferred_relations`) is left out of that order."""
    return plan(entities)[0]


def deferred_relations(entities: list[EntitySpec]) -> frozenset[tuple[str, str]]:
    """The optional relations that close a cycle between entities, as (entity, field) snake names: a record is
    saved without them first, and their foreign keys are added after the tables."""
    return plan(entities)[1]


def ancestors(entities: list[EntitySpec], entity: EntitySpec) -> list[EntitySpec]:
    """The entities `entity` refers to, directly or through others, each after those it refers to itself; deferred
    relations are not followed (their records are linked later)."""
    deferred = deferred_relations(entities)
    found: set[str] = set()
    todo = [entity]
    while todo:
        current = todo.pop()
        for field in current.fields:
            if field.target and field.target not in found and (current.snake, field.snake) not in deferred:
                found.add(field.target)
                todo.extend(e for e in entities if e.snake == field.target)
    found.discard(entity.snake)  # a relation to its own entity: its records are the entity's own
    return [e for e in ordered_entities(entities) if e.snake in found]
