"""Writes competent.json beside it: a competent model's answers for three eval tasks, replayed in CI.

The edits quote the project templates' scaffold: when a template's output changes, run this again (and fix a
SEARCH that no longer matches; tests/integration/test_agents_build.py says which)."""
import json
from pathlib import Path

S, D, R = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"


def block(path, search, replace):
    return f"{path}\n{S}\n{search}\n{D}\n{replace}\n{R}\n"


def new_file(path, content):
    return block(path, "", content.rstrip("\n"))


rec = {}

# --- library-api
loans = "app/routers/loans.py"
rec["library-api"] = {
    "plan": json.dumps({"entities": [], "features": [], "requirements": [
        {"id": "R1", "title": "A book on loan cannot be lent again", "kind": "api",
         "detail": "A loan is open until its returned flag is true.",
         "acceptance": ["POST /api/loans for a book with an open loan answers 409",
                        "POST /api/loans for a book whose loans were all returned answers 201"]},
        {"id": "R2", "title": "Overdue loans are listed at GET /api/loans/overdue", "kind": "api",
         "detail": "Overdue: due before today and not returned.",
         "acceptance": ["GET /api/loans/overdue answers 200 with the open loans whose due date is before today",
                        "returned loans and loans due today or later are not listed"]}]}),
    "design": json.dumps({"changes": [
        {"requirement": "R1", "path": loans, "action": "edit", "purpose": "refuse a second open loan of a book (409)",
         "exposes": ["create_loan"]},
        {"requirement": "R2", "path": loans, "action": "edit", "purpose": "GET /loans/overdue",
         "exposes": ["list_overdue_loans"]}]}),
    "tests:R1": new_file("tests/test_acceptance_r1.py", '''"""R1: a book on loan cannot be lent again."""

from datetime import date, timedelta


def new_book(client):
    response = client.post("/api/books", json={"title": "Dune", "author": "Herbert"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def lend(client, book_id, **extra):
    due = (date.today() + timedelta(days=14)).isoformat()
    return client.post("/api/loans", json={"book_id": book_id, "borrower": "Ada", "due": due, **extra})


def test_a_book_with_an_open_loan_is_refused(client):
    book_id = new_book(client)
    assert lend(client, book_id).status_code == 201
    assert lend(client, book_id).status_code == 409


def test_a_book_whose_loans_were_returned_can_be_lent(client):
    book_id = new_book(client)
    assert lend(client, book_id, returned=True).status_code == 201
    assert lend(client, book_id).status_code == 201
'''),
    "tests:R2": new_file("tests/test_acceptance_r2.py", '''"""R2: overdue loans are listed at /api/loans/overdue."""

from datetime import date, timedelta


def lend(client, title, days, **extra):
    book = client.post("/api/books", json={"title": title, "author": "Someone"}).json()
    due = (date.today() + timedelta(days=days)).isoformat()
    response = client.post("/api/loans", json={"book_id": book["id"], "borrower": "Ada", "due": due, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_open_loans_past_due_are_listed(client):
    late = lend(client, "Late", -2)
    response = client.get("/api/loans/overdue")
    assert response.status_code == 200
    assert [loan["id"] for loan in response.json()] == [late["id"]]


def test_returned_and_current_loans_are_not_listed(client):
    lend(client, "Returned", -2, returned=True)
    lend(client, "Today", 0)
    lend(client, "Later", 3)
    assert client.get("/api/loans/overdue").json() == []
'''),
    f"edit:{loans}": block(loans, "from typing import Annotated",
                           "from datetime import date\nfrom typing import Annotated")
    + "\n" + block(loans, '''@router.post("", response_model=schemas.LoanOut, status_code=status.HTTP_201_CREATED)
def create_loan(loan_in: schemas.LoanIn, session: SessionDep) -> models.Loan:
    loan = models.Loan(**loan_in.model_dump())''', '''@router.get("/overdue", response_model=list[schemas.LoanOut])
def list_overdue_loans(session: SessionDep) -> list[models.Loan]:
    query = select(models.Loan).where(models.Loan.due < date.today(), models.Loan.returned.is_not(True))
    return list(session.scalars(query.order_by(models.Loan.id)))


@router.post("", response_model=schemas.LoanOut, status_code=status.HTTP_201_CREATED)
def create_loan(loan_in: schemas.LoanIn, session: SessionDep) -> models.Loan:
    if not loan_in.returned:
        open_loan = select(models.Loan.id).where(models.Loan.book_id == loan_in.book_id,
                                                 models.Loan.returned.is_not(True))
        if session.scalars(open_loan).first() is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"Book {loan_in.book_id} is already on loan")
    loan = models.Loan(**loan_in.model_dump())'''),
    "review": json.dumps({"findings": []}),
}

# --- todo-api
tasks = "app/routers/tasks.py"
rec["todo-api"] = {
    "plan": json.dumps({"entities": [], "features": [], "requirements": [
        {"id": "R1", "title": "Task counts at GET /api/tasks/stats", "kind": "api", "detail": "",
         "acceptance": ['GET /api/tasks/stats answers 200 with {"total": 0, "done": 0, "open": 0} when there '
                        "are no tasks",
                        "with one done and two open tasks it answers total 3, done 1, open 2"]}]}),
    "design": json.dumps({"changes": [{"requirement": "R1", "path": tasks, "action": "edit",
                                       "purpose": "GET /tasks/stats with the counts", "exposes": ["task_stats"]}]}),
    "tests:R1": new_file("tests/test_acceptance_r1.py", '''"""R1: task counts at /api/tasks/stats."""


def test_counts_of_no_tasks(client):
    response = client.get("/api/tasks/stats")
    assert response.status_code == 200
    assert response.json() == {"total": 0, "done": 0, "open": 0}


def test_counts_of_done_and_open_tasks(client):
    for title, done in (("one", True), ("two", False), ("three", False)):
        assert client.post("/api/tasks", json={"title": title, "done": done}).status_code == 201
    assert client.get("/api/tasks/stats").json() == {"total": 3, "done": 1, "open": 2}
'''),
    f"edit:{tasks}": block(
        tasks, '''@router.post("", response_model=schemas.TaskOut, status_code=status.HTTP_201_CREATED)''',
            '''@router.get("/stats")
def task_stats(session: SessionDep) -> dict[str, int]:
    total = session.scalar(select(func.count()).select_from(models.Task)) or 0
    done = session.scalar(select(func.count()).select_from(models.Task).where(models.Task.done.is_(True))) or 0
    return {"total": total, "done": done, "open": total - done}


@router.post("", response_model=schemas.TaskOut, status_code=status.HTTP_201_CREATED)'''),
    "review": json.dumps({"findings": [{"path": tasks, "severity": "warning",
                                        "message": "stats could be cached for large tables"}]}),
}

# --- expenses (full-stack)
expenses = "backend/app/routers/expenses.py"
rec["expenses"] = {
    "plan": json.dumps({"entities": [], "features": [], "requirements": [
        {"id": "R1", "title": "The total of all expenses at GET /api/expenses/total", "kind": "api", "detail": "",
         "acceptance": ['GET /api/expenses/total answers 200 with {"total": 0, "count": 0} when there are none',
                        "with amounts 10.5 and 4.5 it answers total 15.0 and count 2"]}]}),
    "design": json.dumps({"changes": [{"requirement": "R1", "path": expenses, "action": "edit",
                                       "purpose": "GET /expenses/total", "exposes": ["expense_total"]}]}),
    "tests:R1": new_file("backend/tests/test_acceptance_r1.py", '''"""R1: the total of all expenses."""


def test_total_of_no_expenses(client):
    response = client.get("/api/expenses/total")
    assert response.status_code == 200
    assert response.json() == {"total": 0, "count": 0}


def test_total_adds_every_amount(client):
    for amount in (10.5, 4.5):
        assert client.post("/api/expenses", json={"description": "x", "amount": amount}).status_code == 201
    assert client.get("/api/expenses/total").json() == {"total": 15.0, "count": 2}
'''),
    f"edit:{expenses}": block(
        expenses,
        '''@router.post("", response_model=schemas.ExpenseOut, status_code=status.HTTP_201_CREATED)''',
            '''@router.get("/total")
def expense_total(session: SessionDep) -> dict[str, float | int]:
    total, count = session.execute(select(func.coalesce(func.sum(models.Expense.amount), 0), func.count())).one()
    return {"total": total, "count": count}


@router.post("", response_model=schemas.ExpenseOut, status_code=status.HTTP_201_CREATED)'''),
    "review": json.dumps({"findings": []}),
}

Path(__file__).with_name("competent.json").write_text(json.dumps(rec, indent=1) + "\n")
print("written")
