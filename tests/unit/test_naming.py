"""A person's names become valid, safe identifiers in Python and TypeScript, or a clear refusal."""

import keyword
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.generation import naming
from app.generation.naming import NamingError, check_identifier

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
names = st.text(alphabet=st.characters(codec="ascii"), min_size=0, max_size=60)


@settings(max_examples=800, deadline=None)
@given(names)
def test_an_accepted_name_is_an_identifier_in_every_target_language(raw):
    try:
        snake = check_identifier(raw, "entity name", pluralised=True)
    except NamingError:
        return
    for identifier in (snake, naming.camel(raw), naming.pascal(raw), naming.plural(snake)):
        assert IDENTIFIER.match(identifier), identifier
        assert identifier.isidentifier() and not keyword.iskeyword(identifier)
    assert snake not in naming.RESERVED and naming.camel(raw).lower() not in naming.RESERVED
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", naming.kebab(raw))


@settings(max_examples=300, deadline=None)
@given(names)
def test_conversions_are_stable(raw):
    snake = naming.snake(raw)
    assert naming.snake(snake) == snake
    assert naming.kebab(snake) == naming.kebab(raw)


@pytest.mark.parametrize(
    ("raw", "snake", "camel", "pascal"),
    [("Due Date", "due_date", "dueDate", "DueDate"), ("dueDate", "due_date", "dueDate", "DueDate"),
     ("HTTPServer", "http_server", "httpServer", "HttpServer"), ("order-item", "order_item", "orderItem",
                                                                  "OrderItem")],
)
def test_conversions(raw, snake, camel, pascal):
    assert (naming.snake(raw), naming.camel(raw), naming.pascal(raw)) == (snake, camel, pascal)


@pytest.mark.parametrize(("word", "plural"), [("task", "tasks"), ("category", "categories"), ("box", "boxes"),
                                              ("day", "days"), ("status", "statuses")])
def test_plurals(word, plural):
    assert naming.plural(word) == plural


@pytest.mark.parametrize(
    ("raw", "message"),
    [("class", "reserved word"), ("id", "reserved word"), ("import", "reserved word"),
     ("2fast", "start with a letter"), ("", "must not be empty"), ("héllo", "letters, digits"),
     ("a" * 41, "longer than 40"), ("Self", "reserved"), ("A", "reserved"), ("i", "reserved")],
)
def test_refusals_name_the_problem(raw, message):
    with pytest.raises(NamingError, match=message):
        check_identifier(raw, "entity name", pluralised=True)


def test_a_field_is_never_pluralised_so_its_plural_may_be_reserved():
    assert check_identifier("a", "field name") == "a"
