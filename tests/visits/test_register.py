import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.visits.journey_steps import error_summary
from timeutil import local_today
from visits import register
from visits.models import Prisoner, PrisonerCategory, Visit

REGISTER = "/staff/prisons/cardiff/prisoners"
HEADER = "prison_number,first_name,last_name,date_of_birth,category\r\n"


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk")


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


def prisoner_answers(number="A1234BC", category="convicted", **changes):
    return {
        "first_name": "Tom",
        "last_name": "Jones",
        "date_of_birth-day": "1",
        "date_of_birth-month": "2",
        "date_of_birth-year": "1980",
        "prison_number": number,
        "category": category,
        **changes,
    }


def registered():
    return db.session.scalars(sa.select(Prisoner).order_by(Prisoner.prison_number)).all()


# Adding, changing and finding prisoners


def test_the_visits_team_adds_a_prisoner(team, cardiff):
    response = team.submit(f"{REGISTER}/new", prisoner_answers("a1234 bc", "remand"))

    (added,) = registered()
    assert response.headers["Location"].endswith(f"{REGISTER}/{added.id}")
    assert (added.prison_id, added.prison_number, added.category) == (
        cardiff.id,
        "A1234BC",
        PrisonerCategory.REMAND,
    )
    assert added.date_of_birth == date(1980, 2, 1)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "added prisoner") == 1
    assert "Tom Jones" in team.get(f"{REGISTER}/{added.id}").text


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (prisoner_answers("1234ABC"), "Enter a prison number in the right format"),
        (prisoner_answers(category=""), "Select remand or convicted"),
        (prisoner_answers(category="sentenced"), "Select remand or convicted"),
        (prisoner_answers(**{"date_of_birth-year": "2999"}), "Date of birth must be in the past"),
        (prisoner_answers(first_name=""), "Enter the prisoner&#39;s first name"),
    ],
    ids=["bad number", "no category", "tampered category", "future birth", "no name"],
)
def test_a_prisoner_with_a_mistake_is_explained_and_nothing_is_saved(team, answers, message):
    page = team.submit(f"{REGISTER}/new", answers)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    assert registered() == []
    assert 'value="Jones"' in page.text


def test_a_prison_number_already_on_the_register_is_refused(team, cardiff, make_prisoner):
    make_prisoner(cardiff, "A1234BC")

    page = team.submit(f"{REGISTER}/new", prisoner_answers("A1234BC"))

    assert "already on the register" in error_summary(page.text)
    assert len(registered()) == 1


def test_the_same_prison_number_may_be_on_another_prisons_register(
    team, cardiff, usk, make_prisoner
):
    make_prisoner(usk, "A1234BC")

    assert team.submit(f"{REGISTER}/new", prisoner_answers("A1234BC")).status_code == 302
    assert len(registered()) == 2


def test_the_visits_team_changes_a_prisoners_details(team, cardiff, make_prisoner):
    prisoner = make_prisoner(cardiff, "A1234BC", PrisonerCategory.REMAND)
    make_prisoner(cardiff, "B2345CD")
    url = f"{REGISTER}/{prisoner.id}/edit"

    form_page = team.get(url)
    taken = team.submit(url, prisoner_answers("B2345CD"))
    changed = team.submit(url, prisoner_answers("A1234BC", "convicted", last_name="Evans"))

    assert 'value="A1234BC"' in form_page.text
    assert 'value="remand" checked' in form_page.text
    assert "already on the register" in error_summary(taken.text)
    assert changed.status_code == 302
    db.session.refresh(prisoner)
    assert (prisoner.last_name, prisoner.category) == ("Evans", PrisonerCategory.CONVICTED)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed prisoner") == 1


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("", ["A1234BC", "B2345CD", "C3456DE"]),
        ("b2345", ["B2345CD"]),
        ("jones", ["A1234BC", "C3456DE"]),
        ("ann jones", ["C3456DE"]),
        ("%", []),
    ],
)
def test_the_register_is_searched_by_name_or_number(team, cardiff, make_prisoner, search, found):
    make_prisoner(cardiff, "A1234BC")
    make_prisoner(cardiff, "B2345CD", first_name="Dan", last_name="Smith")
    make_prisoner(cardiff, "C3456DE", first_name="Ann")

    page = team.get(f"{REGISTER}?q={search}")

    listed = [n for n in ("A1234BC", "B2345CD", "C3456DE") if f">{n}</a>" in page.text]
    assert listed == found


def test_viewing_the_register_is_recorded(team, cardiff):
    team.get(REGISTER)

    assert count(StaffAuditEvent, StaffAuditEvent.action == "viewed prisoner register") == 1


# Linking bookings to the register


def test_a_booking_is_linked_to_the_prisoner_with_its_prison_number(
    cardiff, usk, make_session, make_prisoner, book_visit
):
    on_register = make_prisoner(cardiff, "A1234BC")
    make_prisoner(usk, "A1234BC")

    visit = book_visit(make_session(cardiff))

    assert visit.prisoner_id == on_register.id


def test_a_booking_for_a_prisoner_not_on_the_register_is_not_linked(
    cardiff, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "B2345CD")

    assert book_visit(make_session(cardiff)).prisoner_id is None


# Importing from CSV


def upload(team, content, filename="register.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return team.submit(f"{REGISTER}/import", {"csv_file": (io.BytesIO(data), filename)})


def test_a_good_file_adds_everyone_in_it(team, cardiff):
    page = upload(
        team,
        HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n"
        "b2345cd,Dan,Smith,27/03/1985,Remand\r\n",
    )

    assert page.status_code == 200
    assert "2 prisoners added" in page.text
    assert [(p.prison_number, p.date_of_birth, p.category) for p in registered()] == [
        ("A1234BC", date(1980, 2, 1), PrisonerCategory.CONVICTED),
        ("B2345CD", date(1985, 3, 27), PrisonerCategory.REMAND),
    ]
    event = db.session.scalar(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "imported prisoners")
    )
    assert event.detail == "added 2, updated 0, rejected 0 rows"


BAD_ROWS = [
    ("X123,Tom,Jones,1980-02-01,convicted", "prison_number", "right format"),
    ("C3456DE,Tom,Jones,31/02/1980,convicted", "date_of_birth", "Enter a real date"),
    ("C3456DE,Tom,Jones,Feb 1 1980,convicted", "date_of_birth", "Enter a real date"),
    ("C3456DE,Tom,Jones,2999-01-01,convicted", "date_of_birth", "must be in the past"),
    ("C3456DE,,Jones,1980-02-01,convicted", "first_name", "Enter a name"),
    ("C3456DE,Tom,Jones,1980-02-01,sentenced", "category", "Enter remand or convicted"),
    ("C3456DE,Tom", "last_name", "Enter a name"),
    ("A1234BC,Tom,Twice,1980-02-01,convicted", "prison_number", "also on row 2"),
]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    BAD_ROWS,
    ids=[
        "wrong prison number",
        "impossible date",
        "date in words",
        "future date",
        "missing name",
        "unknown category",
        "short row",
        "duplicate number",
    ],
)
def test_a_bad_row_is_reported_and_the_good_rows_are_still_added(
    team, cardiff, row, column, reason
):
    page = upload(
        team,
        HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n" + row + "\r\n"
        "B2345CD,Dan,Smith,1985-03-27,remand\r\n",
    )

    rejected = page.text.split("Rows left out")[1]
    assert "2 prisoners added" in page.text
    assert "1 row was left out" in page.text
    assert re.search(rf">3</td>\s*<td [^>]*>{column}</td>", rejected)
    assert reason in rejected
    assert [p.prison_number for p in registered()] == ["A1234BC", "B2345CD"]


def test_every_problem_in_a_row_is_reported(team):
    page = upload(team, HEADER + "nope,,Jones,never,maybe\r\n")

    rejected = page.text.split("Rows left out")[1]
    for column in ("prison_number", "first_name", "date_of_birth", "category"):
        assert f">{column}</td>" in rejected
    assert registered() == []


def test_prisoners_already_on_the_register_are_updated_not_added_twice(
    team, cardiff, make_prisoner
):
    prisoner = make_prisoner(cardiff, "A1234BC", PrisonerCategory.REMAND)
    make_prisoner(
        cardiff, "B2345CD", first_name="Dan", last_name="Smith", date_of_birth=date(1985, 3, 27)
    )

    page = upload(
        team,
        HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n"
        "B2345CD,Dan,Smith,1985-03-27,convicted\r\n",
    )

    assert "0 prisoners added, 1 updated, 1 unchanged" in page.text
    db.session.refresh(prisoner)
    assert prisoner.category is PrisonerCategory.CONVICTED
    assert len(registered()) == 2


@pytest.mark.parametrize(
    "content",
    [
        "\ufeff" + HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n",
        HEADER.replace(",", ";") + "A1234BC;Tom;Jones;01/02/1980;convicted\r\n",
        "Prison number,First name,Last name,Date of birth,Category,Wing\n"
        "A1234BC,Tom,Jones,1980-02-01,convicted,B\n\n",
        "category,date_of_birth,last_name,first_name,prison_number\n"
        'convicted,1980-02-01,"Jones, Jr",Tom,A1234BC\n',
    ],
    ids=["Excel byte order mark", "semicolons", "headings as words", "columns in any order"],
)
def test_files_as_spreadsheets_save_them_are_read(team, content):
    page = upload(team, content)

    assert "1 prisoner added" in page.text, error_summary(page.text)
    assert [p.prison_number for p in registered()] == ["A1234BC"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "prison_number,first_name,last_name\r\nA1234BC,Tom,Jones\r\n",
            "The file is missing these columns: date_of_birth, category",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00binary workbook", "This is a spreadsheet file"),
        (
            (HEADER + "A1234BC,Zo\xe9,Jones,1980-02-01,convicted\r\n").encode("cp1252"),
            "must be saved as CSV UTF-8",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "must be saved as CSV UTF-8"),
        ("a,b\x00,c\r\n", "This is not a CSV file"),
        ("", "The file is empty"),
        (HEADER, "no prisoners in it"),
    ],
    ids=[
        "missing columns",
        "Excel workbook",
        "Windows encoding",
        "an image",
        "NUL bytes",
        "empty",
        "only the headings",
    ],
)
def test_a_file_that_cannot_be_read_is_explained_and_nothing_is_added(team, content, message):
    page = upload(team, content)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    assert registered() == []
    assert count(StaffAuditEvent, StaffAuditEvent.action == "imported prisoners") == 0


def test_a_file_too_big_is_refused(team, monkeypatch):
    # A smaller limit for the test: the test client spools big uploads to files it never closes.
    monkeypatch.setattr(register, "MAX_IMPORT_BYTES", 100)

    page = upload(team, HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n" * 3)

    assert "The file must be smaller than 2MB" in error_summary(page.text)
    assert registered() == []


def test_uploading_without_choosing_a_file_asks_for_one(team):
    page = team.submit(f"{REGISTER}/import", {})

    assert "Choose a CSV file to upload" in error_summary(page.text)


def test_the_template_has_the_columns_the_import_reads(team):
    response = team.get(f"{REGISTER}/template.csv")

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.text == HEADER


def test_imported_prisoners_count_for_bookings_made_afterwards(
    team, cardiff, make_session, book_visit
):
    upload(team, HEADER + "A1234BC,Tom,Jones,1980-02-01,convicted\r\n")

    visit = book_visit(make_session(cardiff))

    assert visit.prisoner_id == registered()[0].id
    assert db.session.get(Visit, visit.id).status.value == "booked"


def test_the_prisoner_page_lists_their_visits_around_today(
    team, cardiff, make_session, make_prisoner, book_visit
):
    prisoner = make_prisoner(cardiff, "A1234BC")
    visit = book_visit(make_session(cardiff, on=local_today() + timedelta(days=5)))

    page = team.get(f"{REGISTER}/{prisoner.id}")

    assert visit.reference[:4] in page.text
    assert "1 visit in any 14 days" in page.text
    assert count(StaffAuditEvent, StaffAuditEvent.action == "viewed prisoner") == 1
