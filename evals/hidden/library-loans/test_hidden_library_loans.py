"""Hidden acceptance tests: loans of a book on loan are refused; overdue loans are listed."""

from datetime import date, timedelta


def book(client, title="Dune"):
    response = client.post("/api/books", json={"title": title, "author": "Frank Herbert"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def lend(client, book_id, days, **extra):
    due = (date.today() + timedelta(days=days)).isoformat()
    return client.post("/api/loans", json={"book_id": book_id, "borrower": "Ada", "due": due, **extra})


def test_second_loan_of_the_same_book_is_refused(client):
    book_id = book(client)
    assert lend(client, book_id, 7).status_code == 201
    assert lend(client, book_id, 7).status_code == 409


def test_a_returned_book_can_be_lent_again(client):
    book_id = book(client)
    assert lend(client, book_id, 7, returned=True).status_code == 201
    assert lend(client, book_id, 7).status_code == 201


def test_other_books_stay_available(client):
    first, second = book(client, "A"), book(client, "B")
    assert lend(client, first, 7).status_code == 201
    assert lend(client, second, 7).status_code == 201


def test_overdue_lists_only_open_loans_past_due(client):
    late = lend(client, book(client, "Late"), -3).json()
    lend(client, book(client, "Future"), 5)
    lend(client, book(client, "Returned"), -3, returned=True)
    response = client.get("/api/loans/overdue")
    assert response.status_code == 200
    assert [loan["id"] for loan in response.json()] == [late["id"]]
