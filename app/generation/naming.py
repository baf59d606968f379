"""Turning a person's names ("Due date", "dueDate", "due-date") into identifiers for every target language."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")

# Names that cannot be used as-is in Python, TypeScript/JavaScript or SQL-backed models.
RESERVED = frozenset(keyword.kwlist) | frozenset({
    # JavaScript / TypeScript reserved and strict-mode words
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
    "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally", "for", "function",
    "if", "implements", "import", "in", "instanceof", "interface", "let", "new", "null", "package",
    "private", "protected", "public", "return", "static", "super", "switch", "this", "throw", "true",
    "try", "typeof", "var", "void", "while", "with", "yield", "undefined", "constructor", "prototype",
    # Attributes the generated models already have (primary key, SQLAlchemy and Pydantic internals)
    "id", "none", "self", "cls", "metadata", "registry", "query", "json", "dict", "copy", "schema",
    "construct", "validate", "fields",
})


class NamingError(ValueError):
    """A name cannot become a safe identifier; the message says why."""


def words(name: str) -> list[str]:
    """Split any spelling into lower-case words: "HTTPServer2 error" → ["http", "server2", "error"]."""
    return [w.lower() for w in _WORD.findall(name)]


def snake(name: str) -> str:
    return "_".join(words(name))


def kebab(name: str) -> str:
    return "-".join(words(name))


def pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(name))


def camel(name: str) -> str:
    result = pascal(name)
    return result[:1].lower() + result[1:]


def title(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in words(name))


def plural(word: str) -> str:
    """English plural of the last word, good enough for table names and URLs."""
    lower = word.lower()
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def check_identifier(raw: str, what: str, max_length: int = 40, pluralised: bool = False) -> str:
    """Return the snake_case form of `raw`, or raise NamingError naming `what` and the reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise NamingError(f"{what} must not be empty")
    if len(raw) > max_length:
        raise NamingError(f"{what} {raw!r} is longer than {max_length} characters")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]*", raw.strip()):
        raise NamingError(f"{what} {raw!r} must start with a letter and use only letters, digits, spaces, "
                          "'_' and '-'")
    identifier = snake(raw)
    forms = {identifier, camel(raw).lower()}
    if pluralised:  # entity names also become table names and URLs in the plural
        forms |= {plural(identifier), plural(camel(raw)).lower()}
    if forms & RESERVED:
        raise NamingError(f"{what} {raw!r} is a reserved word in Python, TypeScript or the generated code; "
                          f"choose another, such as '{identifier}_value'")
    return identifier
