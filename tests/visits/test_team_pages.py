"""The visits team's pages, through the forms a browser would post."""

import html
import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import adult, child, count
from tests.visits.journey_steps import error_summary
from timeutil import local_today
from visits.models import (
    CancelReason,
    Closure,
    RejectionReason,
    SessionTemplate,
    VisitSession,
    VisitStatus,
)
from visits.sessions import ensure_sessions

SOON = local_today() + timedelta(days=3)


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


@pytest.fixture
def weekly(make_template, cardiff):
    template = make_template(cardiff, weekday=SOON.weekday(), open_tables=5)
    ensure_sessions(cardiff, *cardiff.booking_window(local_today()))
    db.session.commit()
    return template


def session_on(day, prison):
    return db.session.scalar(
        sa.select(VisitSession).where(VisitSession.prison_id == prison.id, VisitSession.date == day)
    )


def date_answers(name, day):
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def weekly_answers(**changes):
    answers = {
        "weekday": "1",
        "start_time": "13:30",
        "end_time": "15:30",
        "open_tables": "12",
        "closed_tables": "2",
        "people_places": "",
        **date_answers("valid_from", local_today()),
    }
    return {**answers, **changes}


def post_from(client, page_url, url, data):
    """Post to url with the form token from page_url, as a page holding two forms does."""
    page = client.get(page_url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(url, data={**data, "csrf_token": token})


def confirm(client, page, url):
    """Press the button on a confirmation page: post back exactly what the page holds."""
    form = page.text.split("<form", 1)[1].split("</form>", 1)[0]
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(html.unescape(value))
    return client.post(url, data=data)


# Weekly sessions -----------------------------------------------------------------------------


def test_the_team_adds_a_weekly_session_families_can_then_book(team, cardiff):
    response = team.submit("/staff/prisons/cardiff/sessions/weekly/new", weekly_answers())
    page = team.get(response.headers["Location"])

    assert response.status_code == 302
    assert "Weekly session added" in page.text
    assert "Tuesdays" in page.text
    template = db.session.scalars(sa.select(SessionTemplate)).one()
    assert (template.weekday, template.start_time, template.closed_tables) == (1, time(13, 30), 2)
    assert template.people_places is None and template.valid_until is None
    assert count(VisitSession, VisitSession.prison_id == cardiff.id) >= 3


def test_an_empty_weekly_session_form_says_what_is_missing(team, cardiff):
    page = team.submit(
        "/staff/prisons/cardiff/sessions/weekly/new",
        {
            "start_time": "",
            "end_time": "",
            "open_tables": "",
            "closed_tables": "",
            **date_answers("valid_from", local_today()),
        },
    )

    summary = error_summary(page.text)
    assert page.status_code == 200
    for message in (
        "Select the day of the week",
        "Enter the start time",
        "Enter the end time",
        "Enter the number of open visit tables",
        "Enter the number of closed visit tables",
    ):
        assert message in summary
    assert 'href="#weekday"' in summary
    assert count(SessionTemplate) == 0


def test_wrong_numbers_and_times_are_explained_and_kept(team, cardiff):
    page = team.submit(
        "/staff/prisons/cardiff/sessions/weekly/new",
        weekly_answers(start_time="25:00", open_tables="ten", closed_tables="-1", weekday="9"),
    )

    summary = error_summary(page.text)
    assert "Enter the start time on the 24-hour clock, like 14:00" in summary
    assert "Enter the number of open visit tables as a whole number, like 10" in summary
    assert "Enter the number of closed visit tables as a whole number, like 2" in summary
    assert "Select the day of the week" in summary
    assert 'value="25:00"' in page.text
    assert 'value="ten"' in page.text
    assert page.text.startswith("<!DOCTYPE html>") and "Error:" in page.text.split("</title>")[0]


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        ({"end_time": "12:00"}, "The end time must be after the start time", "#end_time"),
        (
            {"open_tables": "0", "closed_tables": "0"},
            "A session needs at least 1 table",
            "#open_tables",
        ),
        (
            {"open_tables": "100000"},
            "Enter the number of open visit tables between 0 and 500",
            "#open_tables",
        ),
        (
            date_answers("valid_until", local_today() - timedelta(days=1)),
            "The last date must be the same as or after the first date",
            "#valid_until-day",
        ),
        (
            {"valid_from-day": "31", "valid_from-month": "2", "valid_from-year": "2031"},
            "The date must be a real date",
            "#valid_from-day",
        ),
    ],
)
def test_a_weekly_session_that_cannot_work_is_refused_with_a_reason(
    team, cardiff, changes, message, anchor
):
    page = team.submit("/staff/prisons/cardiff/sessions/weekly/new", weekly_answers(**changes))

    summary = error_summary(page.text)
    assert message in summary
    assert f'href="{anchor}"' in summary
    assert count(SessionTemplate) == 0


def test_changing_a_weekly_session_with_bookings_lists_them_first(
    team, cardiff, weekly, book_visit
):
    visit = book_visit(session_on(SOON, cardiff), [adult(), child()])
    url = f"/staff/prisons/cardiff/sessions/weekly/{weekly.id}/edit"
    form = team.get(url)

    listed = team.submit(
        url,
        weekly_answers(
            weekday=str(SOON.weekday()),
            start_time="15:00",
            end_time="17:00",
            open_tables="5",
            closed_tables="0",
            **date_answers("valid_from", weekly.valid_from),
        ),
    )
    db.session.refresh(visit)
    unchanged = visit.session.start_time
    applied = confirm(team, listed, url)

    assert 'value="14:00"' in form.text
    assert "Check the visits this change affects" in listed.text
    assert f"{visit.reference[:4]}-{visit.reference[4:]}" in listed.text
    assert "Kept, at the new time" in listed.text
    assert unchanged == time(14, 0)
    assert applied.status_code == 302
    db.session.refresh(visit)
    assert visit.status is VisitStatus.BOOKED
    assert visit.session.start_time == time(15, 0)


def test_a_tampered_confirmation_changes_nothing_and_asks_again(team, cardiff, weekly, book_visit):
    session = session_on(SOON, cardiff)
    book_visit(session)
    url = f"/staff/prisons/cardiff/sessions/{session.id}/cancel"

    again = team.submit(url, {"reason": "Lockdown", "confirmed": "0" * 32})

    assert again.status_code == 200
    assert "not the same as when you last looked" in again.text
    db.session.refresh(session)
    assert not session.cancelled


def test_ending_a_weekly_session(team, cardiff, weekly):
    url = f"/staff/prisons/cardiff/sessions/weekly/{weekly.id}/end"

    past = team.submit(url, date_answers("last_day", local_today() - timedelta(days=1)))
    ended = team.submit(url, date_answers("last_day", SOON))

    assert "The last date must be today or in the future" in error_summary(past.text)
    assert ended.status_code == 302
    db.session.refresh(weekly)
    assert weekly.valid_until == SOON
    assert count(VisitSession, VisitSession.cancelled.is_(True)) == 3


# Closures --------------------------------------------------------------------------------------


def test_a_closure_cancels_booked_visits_after_confirming_and_families_see_why(
    team, family, cardiff, weekly, book_visit
):
    visit = book_visit(session_on(SOON, cardiff))
    url = "/staff/prisons/cardiff/closures/new"
    answers = {
        "scope": "all",
        **date_answers("first_day", SOON),
        **date_answers("last_day", SOON),
        "reason": "Staff training",
    }

    listed = team.submit(url, answers)
    applied = confirm(team, listed, url)
    schedule_page = team.get("/staff/prisons/cardiff/sessions")
    manage_page = family.get(f"/visit/{visit.manage_token}")

    assert "Cancelled: the session is cancelled" in listed.text
    assert applied.status_code == 302
    assert "Staff training" in schedule_page.text
    assert "The whole prison" in schedule_page.text
    db.session.refresh(visit)
    assert (visit.status, visit.cancel_reason) == (
        VisitStatus.CANCELLED,
        CancelReason.PRISON_CANCELLED,
    )
    assert "The prison cancelled this visit" in manage_page.text
    assert "Reason: Staff training" in manage_page.text


def test_a_closure_of_another_prisons_weekly_session_is_refused(
    team, cardiff, make_prison, make_template
):
    elsewhere = make_template(make_prison(slug="usk"), weekday=1)

    page = team.submit(
        "/staff/prisons/cardiff/closures/new",
        {
            "scope": str(elsewhere.id),
            **date_answers("first_day", SOON),
            **date_answers("last_day", SOON),
            "reason": "Training",
        },
    )

    assert "Select the whole prison or one weekly session" in error_summary(page.text)
    assert count(Closure) == 0


def test_a_closure_needs_a_reason_and_dates_in_order(team, cardiff):
    page = team.submit(
        "/staff/prisons/cardiff/closures/new",
        {
            "scope": "all",
            **date_answers("first_day", SOON),
            **date_answers("last_day", SOON - timedelta(days=1)),
            "reason": "   ",
        },
    )
    reasoned = team.submit(
        "/staff/prisons/cardiff/closures/new",
        {
            "scope": "all",
            **date_answers("first_day", SOON),
            **date_answers("last_day", SOON - timedelta(days=1)),
            "reason": "x" * 201,
        },
    )
    backwards = team.submit(
        "/staff/prisons/cardiff/closures/new",
        {
            "scope": "all",
            **date_answers("first_day", SOON),
            **date_answers("last_day", SOON - timedelta(days=1)),
            "reason": "Training",
        },
    )

    assert "Enter the reason" in error_summary(page.text)
    assert "Keep the reason to 200 characters or fewer" in error_summary(reasoned.text)
    assert "The last date must be the same as or after the first date" in error_summary(
        backwards.text
    )
    assert 'value="Training"' in backwards.text or ">Training</textarea>" in backwards.text
    assert count(Closure) == 0


def test_the_team_removes_a_closure_and_families_can_book_its_sessions_again(
    team, cardiff, weekly, book_visit
):
    visit = book_visit(session_on(SOON, cardiff))
    url = "/staff/prisons/cardiff/closures/new"
    answers = {
        "scope": "all",
        **date_answers("first_day", SOON),
        **date_answers("last_day", SOON),
        "reason": "Staff training",
    }
    confirm(team, team.submit(url, answers), url)
    closure = db.session.scalars(sa.select(Closure)).one()
    remove_url = f"/staff/prisons/cardiff/closures/{closure.id}/remove"

    listed = team.get("/staff/prisons/cardiff/sessions")
    asked = team.get(remove_url)
    removed = team.submit(remove_url)
    after = team.get("/staff/prisons/cardiff/sessions")

    assert remove_url in listed.text
    assert (
        "Staff training" in asked.text and "Visits that were cancelled stay cancelled" in asked.text
    )
    assert removed.status_code == 302
    assert "Closure removed" in after.text and remove_url not in after.text
    assert count(Closure) == 0
    db.session.expire_all()
    assert not session_on(SOON, cardiff).cancelled
    assert visit.status is VisitStatus.CANCELLED
    assert book_visit(session_on(SOON, cardiff)).status is VisitStatus.BOOKED
    assert count(StaffAuditEvent, StaffAuditEvent.action == "removed closure") == 1


def test_the_team_reopens_a_cancelled_session(team, cardiff, weekly, book_visit):
    session = session_on(SOON, cardiff)
    visit = book_visit(session)
    cancel_url = f"/staff/prisons/cardiff/sessions/{session.id}/cancel"
    confirm(team, team.submit(cancel_url, {"reason": "Lockdown"}), cancel_url)
    reopen_url = f"/staff/prisons/cardiff/sessions/{session.id}/reopen"

    listed = team.get("/staff/prisons/cardiff/sessions")
    asked = team.get(reopen_url)
    reopened = team.submit(reopen_url)
    after = team.get("/staff/prisons/cardiff/sessions")

    assert reopen_url in listed.text
    assert "Reopen a cancelled session" in asked.text
    assert reopened.status_code == 302
    assert "Session reopened" in after.text and reopen_url not in after.text
    db.session.expire_all()
    assert not session.cancelled
    assert visit.status is VisitStatus.CANCELLED
    assert book_visit(session).status is VisitStatus.BOOKED
    assert count(StaffAuditEvent, StaffAuditEvent.action == "reopened dated session") == 1


def test_a_session_inside_a_closure_is_not_offered_for_reopening_and_is_refused(
    team, cardiff, weekly
):
    session = session_on(SOON, cardiff)
    url = "/staff/prisons/cardiff/closures/new"
    team.submit(
        url,
        {
            "scope": "all",
            **date_answers("first_day", SOON),
            **date_answers("last_day", SOON),
            "reason": "Staff training",
        },
    )
    reopen_url = f"/staff/prisons/cardiff/sessions/{session.id}/reopen"

    listed = team.get("/staff/prisons/cardiff/sessions")
    refused = team.submit(reopen_url, follow_redirects=True)

    assert reopen_url not in listed.text
    assert "A closure covers this session: remove the closure to reopen it" in refused.text
    db.session.refresh(session)
    assert session.cancelled


def test_removing_and_reopening_only_happen_on_a_post_with_the_form_token(
    team, cardiff, weekly, make_session
):
    cancelled = make_session(cardiff, on=SOON + timedelta(days=1))
    cancelled.cancelled = True
    closure = Closure(prison_id=cardiff.id, start_date=SOON, end_date=SOON, reason="Training")
    db.session.add(closure)
    db.session.commit()
    urls = [
        f"/staff/prisons/cardiff/closures/{closure.id}/remove",
        f"/staff/prisons/cardiff/sessions/{cancelled.id}/reopen",
    ]

    looked = [team.get(url).status_code for url in urls]
    without_token = [team.post(url).status_code for url in urls]

    assert looked == [200, 200]
    assert without_token == [400, 400]
    assert count(Closure) == 1
    db.session.refresh(cancelled)
    assert cancelled.cancelled


# One dated session -----------------------------------------------------------------------------


def test_changing_one_session_with_no_bookings_needs_no_confirmation(team, cardiff, weekly):
    session = session_on(SOON, cardiff)

    response = team.submit(
        f"/staff/prisons/cardiff/sessions/{session.id}/change",
        {"start_time": "14:00", "end_time": "15:30", "open_tables": "3", "closed_tables": "1"},
    )

    assert response.status_code == 302
    db.session.refresh(session)
    assert (session.end_time, session.open_tables, session.closed_tables) == (time(15, 30), 3, 1)


def test_fewer_tables_than_booked_lists_who_loses_their_table(team, cardiff, weekly, book_visit):
    session = session_on(SOON, cardiff)
    kept, dropped = book_visit(session), book_visit(session)
    url = f"/staff/prisons/cardiff/sessions/{session.id}/change"

    listed = team.submit(
        url, {"start_time": "14:00", "end_time": "16:00", "open_tables": "1", "closed_tables": "0"}
    )
    confirm(team, listed, url)

    assert f"{dropped.reference[:4]}-{dropped.reference[4:]}" in listed.text
    assert f"{kept.reference[:4]}-{kept.reference[4:]}" not in listed.text
    assert "Cancelled: no room left in the session" in listed.text
    db.session.refresh(kept)
    db.session.refresh(dropped)
    assert (kept.status, dropped.status) == (VisitStatus.BOOKED, VisitStatus.CANCELLED)


def test_a_past_session_cannot_be_cancelled(team, cardiff, make_session):
    past = make_session(cardiff, on=local_today() - timedelta(days=2))

    page = team.submit(f"/staff/prisons/cardiff/sessions/{past.id}/cancel", {"reason": "x"})

    assert "This session has already happened" in error_summary(page.text)


# Booking rules ---------------------------------------------------------------------------------


def typed(page, name):
    """The value shown in the page's box for this field."""
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text).group(1)


def rules_answers(**changes):
    return {
        "max_adults": "3",
        "max_children": "3",
        "max_visitors": "6",
        "adult_age": "18",
        "min_notice_days": "2",
        "max_advance_days": "28",
        "hold_minutes": "10",
        "arrive_minutes_before": "30",
        "approval": "instant",
        "review_days": "3",
        "first_visit_within_days": "3",
        "first_visit_notice_days": "1",
        **changes,
    }


def test_the_team_sets_the_booking_rules(team, cardiff):
    form = team.get("/staff/prisons/cardiff/rules")
    saved = team.submit(
        "/staff/prisons/cardiff/rules",
        rules_answers(max_adults="2", adult_age="16", max_visitors="5", approval="approval"),
    )

    assert 'value="28"' in form.text
    assert saved.status_code == 302
    db.session.refresh(cardiff)
    assert (cardiff.max_adults, cardiff.adult_age, cardiff.max_visitors) == (2, 16, 5)
    assert cardiff.requires_approval
    assert "Booking rules saved" in team.get("/staff/prisons/cardiff/rules").text


def test_the_team_sets_the_review_days_and_first_visit_window(team, cardiff):
    form = team.get("/staff/prisons/cardiff/rules")
    saved = team.submit(
        "/staff/prisons/cardiff/rules",
        rules_answers(review_days="5", first_visit_within_days="4", first_visit_notice_days="0"),
    )

    assert typed(form, "review_days") == "3"
    assert typed(form, "first_visit_notice_days") == "1"
    assert saved.status_code == 302
    db.session.refresh(cardiff)
    assert (
        cardiff.review_days,
        cardiff.first_visit_within_days,
        cardiff.first_visit_notice_days,
    ) == (5, 4, 0)
    audited = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "changed booking rules")
    ).all()
    assert [(a.record_id, a.detail) for a in audited] == [
        (cardiff.id, "review_days,first_visit_within_days,first_visit_notice_days")
    ]
    page = team.get("/staff/prisons/cardiff/rules")
    assert typed(page, "review_days") == "5"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"min_notice_days": "5", "max_advance_days": "5"},
            "The latest a visit can be booked must be more days ahead than the earliest",
        ),
        ({"hold_minutes": "0"}, "Enter the minutes a time is held between 1 and 60"),
        ({"max_adults": "two"}, "Enter the most adults on one visit as a whole number, like 3"),
        ({"max_children": ""}, "Enter the most children on one visit"),
        ({"adult_age": "99999999999999999999"}, "between 10 and 18"),
        ({"approval": "sometimes"}, "Select how bookings are confirmed"),
        (
            {"max_visitors": "12"},
            "The number of visitors in all cannot be more than adults and children together",
        ),
        ({"review_days": "15"}, "Enter the days to check a visit request between 1 and 14"),
        ({"review_days": "0"}, "Enter the days to check a visit request between 1 and 14"),
        ({"review_days": ""}, "Enter the days to check a visit request"),
        (
            {"first_visit_within_days": "8"},
            "Enter the days after arrival for a first visit between 1 and 7",
        ),
        (
            {"first_visit_notice_days": "4"},
            "Enter the fewest days ahead for a first visit between 0 and 3",
        ),
        (
            {"first_visit_notice_days": "one"},
            "Enter the fewest days ahead for a first visit as a whole number, like 1",
        ),
        (
            {"first_visit_within_days": "2", "first_visit_notice_days": "3"},
            "The fewest days ahead for a first visit cannot be more than the days after arrival "
            "it can be booked for",
        ),
    ],
)
def test_rules_that_cannot_work_are_refused_and_the_answers_kept(team, cardiff, changes, message):
    page = team.submit("/staff/prisons/cardiff/rules", rules_answers(**changes))

    assert page.status_code == 200
    assert message in error_summary(page.text)
    for value in changes.values():
        if value not in ("sometimes", ""):
            assert f'value="{value}"' in page.text
    db.session.refresh(cardiff)
    assert (cardiff.max_adults, cardiff.hold_minutes, cardiff.max_advance_days) == (3, 10, 28)
    assert (
        cardiff.review_days,
        cardiff.first_visit_within_days,
        cardiff.first_visit_notice_days,
    ) == (3, 3, 1)


def test_a_first_visit_notice_longer_than_its_window_is_shown_against_the_notice(team, cardiff):
    page = team.submit(
        "/staff/prisons/cardiff/rules",
        rules_answers(first_visit_within_days="2", first_visit_notice_days="3"),
    )

    assert 'href="#first_visit_notice_days"' in error_summary(page.text)
    assert typed(page, "first_visit_within_days") == "2"
    assert typed(page, "first_visit_notice_days") == "3"


# Visit requests --------------------------------------------------------------------------------


@pytest.fixture
def requested(cardiff, make_session, book_visit):
    cardiff.requires_approval = True
    db.session.commit()
    return book_visit(make_session(cardiff), [adult(), child()])


def test_the_queue_shows_each_request_with_its_due_time(team, requested):
    page = team.get("/staff/prisons/cardiff/requests")

    assert f"{requested.reference[:4]}-{requested.reference[4:]}" in page.text
    assert "Due by" in page.text
    assert "Tom Jones (A1234BC)" in page.text


def test_accepting_a_request_books_it(team, family, requested):
    page = team.get(f"/staff/prisons/cardiff/requests/{requested.id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    response = team.post(
        f"/staff/prisons/cardiff/requests/{requested.id}/accept", data={"csrf_token": token}
    )
    again = team.post(
        f"/staff/prisons/cardiff/requests/{requested.id}/accept",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert response.status_code == 302
    db.session.refresh(requested)
    assert requested.status is VisitStatus.BOOKED
    assert "Booked" in family.get(f"/visit/{requested.manage_token}").text
    assert "This request has already been answered" in again.text


def test_rejecting_a_request_tells_the_family_why_for_each_visitor(team, family, requested):
    mother, daughter = requested.visitors
    url = f"/staff/prisons/cardiff/requests/{requested.id}"

    review_page = team.get(url)
    response = post_from(
        team,
        url,
        f"{url}/reject",
        {
            f"visitor_{mother.id}": "none",
            f"visitor_{daughter.id}": "not_approved_visitor",
            "details": "Tom can ask for Ann to be added.",
        },
    )
    manage_page = family.get(f"/visit/{requested.manage_token}")

    assert "Ann Jones" in review_page.text
    assert response.status_code == 302
    db.session.refresh(requested)
    assert requested.status is VisitStatus.REJECTED
    assert [v.rejection_reason for v in requested.visitors] == [
        None,
        RejectionReason.NOT_APPROVED_VISITOR,
    ]
    assert "Why the prison did not approve this visit" in manage_page.text
    assert "list of approved visitors" in manage_page.text
    assert "Tom can ask for Ann to be added." in manage_page.text


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Choose a reason for at least 1 visitor"),
        ({"first": "banned-ish"}, "Select a reason for this visitor, or no problem"),
        ({"first": "not_reviewed"}, "Select a reason for this visitor, or no problem"),
        ({"first": "banned", "details": "x" * 501}, "Keep the message to 500 characters or fewer"),
    ],
)
def test_a_rejection_without_a_proper_reason_is_refused(team, requested, answers, message):
    mother, daughter = requested.visitors
    data = {f"visitor_{mother.id}": answers.get("first", "none"), f"visitor_{daughter.id}": "none"}
    if "details" in answers:
        data["details"] = answers["details"]

    url = f"/staff/prisons/cardiff/requests/{requested.id}"
    page = post_from(team, url, f"{url}/reject", data)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    db.session.refresh(requested)
    assert requested.status is VisitStatus.REQUESTED


def test_an_answered_request_shows_no_buttons(team, requested):
    requested.cancel("family", CancelReason.OTHER)
    db.session.commit()

    page = team.get(f"/staff/prisons/cardiff/requests/{requested.id}")

    assert page.status_code == 200
    assert "Accept this visit" not in page.text


def test_the_dashboard_links_the_team_to_its_tools(team, make_staff, sign_in, cardiff):
    centre = sign_in(make_staff(Role.CENTRE, prisons=[cardiff]))

    team_links = team.get("/staff/").text
    centre_links = centre.get("/staff/").text

    for label in ("Visiting sessions", "Booking rules", "Visit requests"):
        assert label in team_links
        assert label not in centre_links
