"""Turning a person's names ("Due date", "dueDate", "Café", "größe") into display names and code identifiers.

A name keeps its letters, accents included, wherever people read it (labels, headings, menus); the identifiers of
the generated code (Python, TypeScript, SQL, URLs) are its words folded to ASCII ("Café" → `cafe`, "größe" →
`grosse`). A name that is a reserved word somewhere is accepted: each renderer derives a safe identifier for its
language (`from` becomes the Python attribute `from_`); only the few names no renderer can make safe are refused.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")

MAX_NAME_LENGTH = 40

# Field names that collide with what every generated record already has: its `id`, and in TypeScript the
# `constructor` every object inherits (a form's values are a plain object keyed by field name).
RESERVED_FIELDS = frozenset({"id", "constructor", "prototype"})

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLDED = {"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
           "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "\u0131": "i"}


class NamingError(ValueError):
    """A name cannot become a safe identifier; the message says why."""


def _shape(char: str) -> str:
    """The ASCII stand-in of a character's class, so that one regular expression splits names in any script."""
    if char.isalpha():
        return "A" if char.isupper() else "a"
    return "0" if char in "0123456789" else " "


def display_words(name: str) -> list[str]:
    """The words of a name as written, accents kept: "dueDate" → ["due", "Date"], "größe Wert" → ["größe", "Wert"]."""
    shapes = "".join(_shape(char) for char in name)
    return [name[match.start():match.end()] for match in _WORD.finditer(shapes)]


def fold(text: str) -> str:
    """ASCII letters for `text`: accents dropped, ß as ss; a letter with no ASCII form becomes a space."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if char.isascii():
            out.append(char)
        elif char in _FOLDED:
            out.append(_FOLDED[char])
        elif not unicodedata.combining(char):
            out.append(" ")
    return "".join(out)


def words(name: str) -> list[str]:
    """The lower-case ASCII words of any spelling: "HTTPServer2 error" → ["http", "server2", "error"]."""
    return [part for word in display_words(name) for part in re.findall(r"[a-z0-9]+", fold(word).lower())]


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
    """The name for people to read, accents kept: "due_date" → "Due Date", "größe" → "Größe"."""
    return " ".join(w[:1].upper() + w[1:] for w in display_words(name))


# Words whose plural is the word itself, or already a plural.
_UNCOUNTABLE = frozenset({
    "news", "data", "metadata", "series", "species", "sheep", "fish", "deer", "moose", "aircraft", "equipment",
    "information", "software", "hardware", "firmware", "feedback", "staff", "money", "rice", "furniture", "luggage",
    "baggage", "traffic", "advice", "research", "music", "weather", "homework", "knowledge", "evidence", "police",
    "cattle", "offspring", "media", "criteria", "people", "children", "men", "women", "mice", "geese", "feet",
    "teeth", "oxen", "analytics", "physics", "mathematics", "economics", "ethics", "logistics", "statistics",
})
_IRREGULAR = {
    "person": "people", "child": "children", "man": "men", "woman": "women", "mouse": "mice", "goose": "geese",
    "foot": "feet", "tooth": "teeth", "ox": "oxen", "quiz": "quizzes", "fez": "fezzes", "whiz": "whizzes",
    "datum": "data", "medium": "media", "criterion": "criteria", "phenomenon": "phenomena", "curriculum": "curricula",
    "leaf": "leaves", "knife": "knives", "life": "lives", "wife": "wives", "half": "halves", "shelf": "shelves",
    "wolf": "wolves", "calf": "calves", "loaf": "loaves", "thief": "thieves", "elf": "elves", "self": "selves",
    "hero": "heroes", "potato": "potatoes", "tomato": "tomatoes", "echo": "echoes", "veto": "vetoes",
    "torpedo": "torpedoes", "matrix": "matrices", "vertex": "vertices", "appendix": "appendices",
    "cactus": "cacti", "fungus": "fungi", "nucleus": "nuclei", "radius": "radii", "alumnus": "alumni",
}


def _plural_word(word: str) -> str:
    if word in _UNCOUNTABLE:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for singular, plural_form in (("person", "people"), ("child", "children")):
        if word.endswith(singular):  # salesperson, grandchild
            return word[:-len(singular)] + plural_form
    if word.endswith("sis") and len(word) > 4:  # analysis, crisis
        return word[:-2] + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def plural(name: str) -> str:
    """`name` with its last word in the English plural, in any spelling: "dueItem" → "dueItems", "Person" →
    "People", "news" → "news"."""
    shapes = "".join(_shape(char) for char in name)
    matches = list(_WORD.finditer(shapes))
    if not matches:
        return name
    last = matches[-1]
    word = name[last.start():last.end()]
    lower = word.lower()
    result = _plural_word(lower)
    if word.isupper() and len(word) > 1:
        result = word + result[len(lower):] if result.startswith(lower) else result.upper()  # IDs, MEN
    elif word[:1].isupper():
        result = result[:1].upper() + result[1:]
    return name[:last.start()] + result + name[last.end():]


def normal_name(raw: str) -> str:
    """A name as it is kept: surrounding spaces removed, accents composed (NFC)."""
    return unicodedata.normalize("NFC", raw.strip())


def check_identifier(raw: str, what: str, max_length: int = MAX_NAME_LENGTH, reserved: frozenset[str] = frozenset(),
                     ) -> str:
    """Return the snake_case form of `raw`, or raise NamingError naming `what` and the reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise NamingError(f"{what} must not be empty")
    name = normal_name(raw)
    if len(name) > max_length:
        raise NamingError(f"{what} {raw!r} is longer than {max_length} characters")
    if not name[0].isalpha() or not all(char.isalpha() or char in "0123456789 _-" for char in name):
        raise NamingError(f"{what} {raw!r} must start with a letter and use only letters, digits, spaces, "
                          "'_' and '-'")
    identifier = snake(name)
    if not identifier or not identifier[0].isalpha():
        raise NamingError(f"{what} {raw!r} needs a Latin letter to start the identifiers of the generated code "
                          "(accents are fine: 'Café' becomes cafe); add a word such as 'item'")
    if identifier in reserved:
        raise NamingError(f"{what} {raw!r} is used by every generated record already; choose another, such as "
                          f"'{identifier} value'")
    return identifier
