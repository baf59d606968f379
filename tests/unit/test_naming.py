"""A person's names become display names as written and valid, safe identifiers in every target language."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.generation import naming
from app.generation.naming import NamingError, check_identifier

IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
names = st.text(alphabet=st.characters(codec="ascii"), min_size=0, max_size=60)
any_names = st.text(alphabet=st.characters(categories=["L", "Nd", "Zs", "Pd", "Pc", "M"]), min_size=0, max_size=45)


@settings(max_examples=800, deadline=None)
@given(st.one_of(names, any_names))
def test_an_accepted_name_gives_ascii_identifiers_and_a_display_name(raw):
    try:
        snake = check_identifier(raw, "entity name")
    except NamingError:
        return
    for identifier in (snake, naming.camel(raw), naming.pascal(raw), naming.plural(snake)):
        assert IDENTIFIER.match(identifier), identifier
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", naming.kebab(raw))
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", naming.plural(naming.kebab(raw)))
    assert naming.title(raw).strip() and "  " not in naming.title(raw)


@settings(max_examples=300, deadline=None)
@given(st.one_of(names, any_names))
def test_conversions_are_stable(raw):
    snake = naming.snake(raw)
    assert naming.snake(snake) == snake
    assert naming.kebab(snake) == naming.kebab(raw)


@pytest.mark.parametrize(
    ("raw", "snake", "camel", "pascal"),
    [("Due Date", "due_date", "dueDate", "DueDate"), ("dueDate", "due_date", "dueDate", "DueDate"),
     ("HTTPServer", "http_server", "httpServer", "HttpServer"), ("order-item", "order_item", "orderItem",
                                                                  "OrderItem"),
     ("Café", "cafe", "cafe", "Cafe"), ("größe", "grosse", "grosse", "Grosse"), ("Ærø Ferry", "aero_ferry",
                                                                                  "aeroFerry", "AeroFerry")],
)
def test_conversions(raw, snake, camel, pascal):
    assert (naming.snake(raw), naming.camel(raw), naming.pascal(raw)) == (snake, camel, pascal)


@pytest.mark.parametrize(("raw", "label"), [("Café", "Café"), ("größe", "Größe"), ("due_date", "Due Date"),
                                            ("crèmeBrûlée", "Crème Brûlée"), ("Ærø", "Ærø")])
def test_display_names_keep_the_letters_as_written(raw, label):
    assert naming.title(raw) == label


@pytest.mark.parametrize(("word", "plural"), [
    ("task", "tasks"), ("category", "categories"), ("box", "boxes"), ("day", "days"), ("status", "statuses"),
    ("news", "news"), ("data", "data"), ("series", "series"), ("child", "children"), ("quiz", "quizzes"),
    ("person", "people"), ("Person", "People"), ("salesPerson", "salesPeople"), ("due_item", "due_items"),
    ("Due Item", "Due Items"), ("dueItem", "dueItems"), ("analysis", "analyses"), ("leaf", "leaves"),
    ("hero", "heroes"), ("photo", "photos"), ("Café", "Cafés"), ("people", "people"), ("ID", "IDs"),
])
def test_plurals(word, plural):
    assert naming.plural(word) == plural


@pytest.mark.parametrize("raw", ["class", "from", "type", "Class", "Query", "Test", "User", "None", "self", "A",
                                 "import", "Café", "größe", "model_config", "sa", "date"])
def test_reserved_words_and_accented_names_are_accepted(raw):
    assert IDENTIFIER.match(check_identifier(raw, "entity name"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [("2fast", "start with a letter"), ("", "must not be empty"), ("   ", "must not be empty"),
     ("a" * 41, "longer than 40"), ("日本", "Latin letter"), ("tab\tname", "letters, digits"),
     ("a.b", "letters, digits")],
)
def test_refusals_name_the_problem(raw, message):
    with pytest.raises(NamingError, match=message):
        check_identifier(raw, "entity name")


@pytest.mark.parametrize("raw", ["id", "ID", "constructor"])
def test_a_field_cannot_take_a_name_every_record_has(raw):
    with pytest.raises(NamingError, match="every generated record"):
        check_identifier(raw, "field name", reserved=naming.RESERVED_FIELDS)
