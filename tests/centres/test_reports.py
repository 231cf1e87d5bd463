import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from app import db
from centres import charts, checkin, reports, support
from centres.models import SupportCategory
from staff.models import Role
from tests.centres.conftest import at, child_aged
from tests.conftest import adult
from timeutil import local_today
from visits import booking
from visits.models import CancelReason, Prisoner, PrisonerCategory

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup):
    return ET.fromstring(markup)  # noqa: S314 - our own markup, checked for being well formed


DAY_1 = local_today() + timedelta(days=1)
DAY_2 = local_today() + timedelta(days=2)


@pytest.fixture
def worker(make_staff, cardiff):
    return make_staff(Role.CENTRE, prisons=[cardiff])


@pytest.fixture
def period(make_session, book, cardiff, worker):
    """Two sessions of 10 tables in the period and one after it, with families who:

    day 1: came with a child of 8; did not come; were not recorded, with children of 4 and 10;
           cancelled.
    day 2: came and left; booked with a 17-year-old.
    """
    first = make_session(cardiff, on=DAY_1, open_tables=8, closed_tables=2)
    second = make_session(cardiff, on=DAY_2, open_tables=10, people_places=20)
    after = make_session(cardiff, on=DAY_2 + timedelta(days=1))

    came = book(first, [adult(), child_aged(8, DAY_1)])
    missed = book(first)
    book(first, [adult(), child_aged(4, DAY_1), child_aged(10, DAY_1, first="Bea")])
    cancelled = book(first, [adult(), child_aged(5, DAY_1)])
    booking.cancel_visit(
        cancelled, CancelReason.ILLNESS, "", "family", checkin.local_time(at(DAY_1, 9))
    )
    left = book(second)
    book(second, [adult(), child_aged(17, DAY_2)])
    book(after, [adult(), child_aged(3, DAY_2)])

    for visit, day in ((came, DAY_1), (left, DAY_2)):
        checkin.mark_arrived(visit, worker, at(day, 13))
        checkin.record_id_check(visit, worker, {visit.visitors[0].id}, at(day, 13, 10))
        checkin.admit(visit, worker, at(day, 13, 50))
    checkin.mark_left(left, worker, at(DAY_2, 16))
    checkin.mark_no_show(missed, worker, at(DAY_1, 14))
    db.session.commit()
    return first, second


def test_bookings_attendance_and_children(cardiff, period):
    summary = reports.summary(cardiff, DAY_1, DAY_2)

    assert (summary.booked, summary.cancelled) == (5, 1)
    assert (summary.attended, summary.no_shows, summary.not_recorded) == (2, 1, 2)
    assert summary.no_show_rate == pytest.approx(1 / 3)
    # Children of 8; 4 and 10; 17. The cancelled visit's child does not count.
    assert (summary.children, summary.visits_with_children) == (4, 3)
    assert summary.children_share == pytest.approx(3 / 5)


def test_one_day_periods_count_only_that_day(cardiff, period):
    summary = reports.summary(cardiff, DAY_2, DAY_2)

    assert (summary.booked, summary.attended, summary.children) == (2, 1, 1)


def test_a_visitor_turns_18_on_their_birthday(cardiff, make_session, book):
    session = make_session(cardiff, on=DAY_1)
    birthday_today = adult("Owen", born=DAY_1.replace(year=DAY_1.year - 18))
    turning_tomorrow = adult("Elin", born=(DAY_1 + timedelta(days=1)).replace(year=DAY_1.year - 18))
    book(session, [adult(), birthday_today, turning_tomorrow])

    assert reports.summary(cardiff, DAY_1, DAY_1).children == 1


def test_use_of_each_session_counts_tables_and_people(cardiff, period):
    first, second = reports.session_use(cardiff, DAY_1, DAY_2)

    assert (first.date, first.tables, first.tables_booked, first.people_booked) == (DAY_1, 10, 3, 6)
    assert first.people_places is None
    assert (second.tables, second.tables_booked, second.people_places, second.people_booked) == (
        10,
        2,
        20,
        3,
    )
    assert second.share_booked == pytest.approx(0.2)


def test_support_given_is_counted_by_category(cardiff, todays_session, book, worker):
    visit = book(todays_session)
    today = local_today()
    answers = {"first_time_visitor": False, "consent_given": True}
    support.record_support(
        cardiff,
        visit,
        worker,
        {SupportCategory.HOUSING, SupportCategory.TRAVEL_COSTS},
        {SupportCategory.MENTAL_HEALTH},
        now=at(today, 12),
        **{**answers, "first_time_visitor": True},
    )
    support.record_support(
        cardiff, visit, worker, {SupportCategory.HOUSING}, set(), now=at(today, 13), **answers
    )
    support.record_support(
        cardiff,
        visit,
        worker,
        {SupportCategory.CHILDCARE},
        set(),
        now=at(today - timedelta(days=1), 13),
        **answers,
    )
    db.session.commit()

    given = reports.support_given(cardiff, today, today)

    assert (given.families, given.first_time_visitors) == (2, 1)
    assert given.signposted == {SupportCategory.HOUSING: 2, SupportCategory.TRAVEL_COSTS: 1}
    assert given.referred == {SupportCategory.MENTAL_HEALTH: 1}


def test_prisoners_with_no_visit_in_the_last_weeks(cardiff, usk, make_session, book, worker):
    day = lambda n: local_today() + timedelta(days=n)  # noqa: E731
    early, recent, later = (make_session(cardiff, on=day(n)) for n in (1, 15, 25))
    book(early, prisoner_number="A1111AA", prisoner_name=("Old", "Visit"))
    book(recent, prisoner_number="A2222BB", prisoner_name=("Recent", "Visit"))
    missed = book(recent, prisoner_number="A3333CC", prisoner_name=("Missed", "Visit"))
    book(later, prisoner_number="A4444DD", prisoner_name=("Next", "Month"))
    checkin.mark_no_show(missed, worker, at(day(15), 15))
    db.session.add_all(
        [
            register(cardiff, "A5555EE", "Only", "Registered"),
            register(cardiff, "A1111AA", "Registered", "Name"),
            register(usk, "A6666FF", "Other", "Prison"),
        ]
    )
    db.session.commit()

    lost = reports.lost_contact(cardiff, as_of=day(16), weeks=1)

    assert [(p.prison_number, p.first_name, p.last_visit, p.next_visit) for p in lost] == [
        ("A3333CC", "Missed", None, None),
        ("A4444DD", "Next", None, day(25)),
        ("A5555EE", "Only", None, None),
        ("A1111AA", "Registered", day(1), None),
    ]


def register(prison, number, first, last):
    return Prisoner(
        prison_id=prison.id,
        prison_number=number,
        first_name=first,
        last_name=last,
        date_of_birth=local_today().replace(year=1980),
        category=PrisonerCategory.CONVICTED,
    )


def test_reports_take_the_same_number_of_queries_however_much_data(cardiff, make_session, book):
    statements = []

    def counted(*_args):
        statements.append(1)

    def queries_for_report():
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", counted)
        try:
            reports.build(cardiff, DAY_1, DAY_2 + timedelta(days=5), 4)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counted)
        return len(statements)

    book(make_session(cardiff, on=DAY_1))
    small = queries_for_report()
    for n in range(2, 6):
        session = make_session(cardiff, on=DAY_1 + timedelta(days=n))
        for index in range(3):
            book(session, [adult(), child_aged(5, DAY_1)], prisoner_number=f"A{n}{index}00AB")

    assert queries_for_report() == small


def test_charts_are_well_formed_svg_images_with_a_title(cardiff, period):
    report = reports.build(cardiff, DAY_1, DAY_2, 4)
    with current_app.test_request_context():
        drawn = [
            charts.attendance_chart(report.summary),
            charts.children_chart(report.summary),
            charts.session_use_chart(report.sessions),
            charts.support_chart(report.support),
        ]

    for markup, bars in zip(drawn, (4, 2, 2, len(SupportCategory)), strict=True):
        svg = parse_svg(str(markup))
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        title = svg.find(f"{SVG}title")
        assert title.text and svg.get("aria-labelledby") == title.get("id")
        assert len(svg.findall(f"{SVG}rect")) == 2 * bars


def test_chart_bars_are_drawn_to_scale_and_labels_escaped():
    svg = parse_svg(
        str(
            charts.bar_chart(
                "test",
                "Families <helped>",
                [charts.Bar("A & B", 5, "5"), charts.Bar("C", 10, "10")],
            )
        )
    )

    bars = svg.findall(f"{SVG}rect")[1::2]
    assert [int(b.get("width")) for b in bars] == [charts.BAR_AREA // 2, charts.BAR_AREA]
    assert svg.find(f"{SVG}title").text == "Families <helped>"
    assert svg.find(f"{SVG}text").text == "A & B"


def test_the_reports_page_shows_charts_tables_and_csv_links(sign_in, worker, period):
    browser = sign_in(worker)
    query = (
        f"start-day={DAY_1.day}&start-month={DAY_1.month}&start-year={DAY_1.year}"
        f"&end-day={DAY_2.day}&end-month={DAY_2.month}&end-year={DAY_2.year}&weeks=4"
    )

    page = browser.get(f"/staff/prisons/cardiff/reports?{query}")

    assert page.status_code == 200
    for svg in re.findall(r"<svg.*?</svg>", page.text, flags=re.S):
        parse_svg(svg)
    for table in ("summary", "sessions", "support", "lost-contact"):
        assert f'id="table-{table}"' in page.text
        assert f"/staff/prisons/cardiff/reports/{table}.csv?" in page.text

    exported = browser.get(f"/staff/prisons/cardiff/reports/summary.csv?{query}")
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert exported.mimetype == "text/csv"
    assert rows[0] == ["Measure", "Number"]
    assert dict(rows[1:])["Visits booked"] == "5"
    assert dict(rows[1:])["No-show rate (of visits with a recorded outcome)"] == "33%"


def test_the_reports_page_defaults_to_the_last_four_weeks(sign_in, worker):
    page = sign_in(worker).get("/staff/prisons/cardiff/reports")

    assert page.status_code == 200
    first = local_today() - timedelta(weeks=4) + timedelta(days=1)
    for part, value in (("start-day", first.day), ("end-day", local_today().day)):
        assert re.search(rf'id="{part}"[^>]*value="{value}"', page.text)
    assert 'id="table-summary"' in page.text


def test_a_wrong_period_is_explained_and_nothing_is_reported(sign_in, worker):
    page = sign_in(worker).get(
        "/staff/prisons/cardiff/reports?start-day=5&start-month=3&start-year=2026"
        "&end-day=1&end-month=3&end-year=2026&weeks=0"
    )

    summary = page.text.split('class="govuk-error-summary"')[1]
    assert "The last day must be the same as or after the first" in summary
    assert "Enter a number of weeks from 1 to 104" in summary
    assert 'id="table-summary"' not in page.text


def test_csv_cells_cannot_become_spreadsheet_formulas(cardiff, make_session, book, sign_in, worker):
    book(
        make_session(cardiff, on=DAY_1),
        prisoner_number="A9999ZZ",
        prisoner_name=("=HYPERLINK(1)", "@Jones"),
    )
    today = local_today()
    query = (
        f"start-day={today.day}&start-month={today.month}&start-year={today.year}"
        f"&end-day={today.day}&end-month={today.month}&end-year={today.year}&weeks=4"
    )

    exported = sign_in(worker).get(f"/staff/prisons/cardiff/reports/lost-contact.csv?{query}")

    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[1][:2] == ["A9999ZZ", "'=HYPERLINK(1) @Jones"]
