"""Feedback and complaints: the family's form, staff triage, replies, closing and deadlines."""

import html
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import create_app, db, limiter
from staff.models import Role, StaffAuditEvent
from tests.conftest import TEST_SETTINGS, count
from timeutil import local_today, utcnow
from visits import feedback, working_days
from visits.feedback_models import (
    Feedback,
    FeedbackEvent,
    FeedbackKind,
    FeedbackStatus,
    FeedbackTheme,
    ReplyBy,
    WrittenBy,
)
from visits.messages import MessageKind
from visits.models import InvalidTransition, Nation
from visits.outbox import Channel, OutboxMessage

ENGLAND, WALES, SCOTLAND = Nation.ENGLAND, Nation.WALES, Nation.SCOTLAND


# Working days ------------------------------------------------------------------------------


EASTERS = [
    date(2024, 3, 31),
    date(2025, 4, 20),
    date(2026, 4, 5),
    date(2027, 3, 28),
    date(2038, 4, 25),
]


@pytest.mark.parametrize("easter", EASTERS, ids=str)
def test_easter_sunday(easter):
    assert working_days.easter_sunday(easter.year) == easter


def test_bank_holidays_in_england_and_wales_2026():
    assert sorted(working_days.bank_holidays(2026, WALES)) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day is a Saturday
    ]


def test_christmas_and_new_year_at_a_weekend_move_to_the_next_weekdays():
    holidays_2027 = working_days.bank_holidays(2027, ENGLAND)
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= holidays_2027
    assert date(2028, 1, 3) in working_days.bank_holidays(2028, ENGLAND)
    # Scotland keeps 1 and 2 January: in 2022 both fell at the weekend.
    assert {date(2022, 1, 3), date(2022, 1, 4)} <= working_days.bank_holidays(2022, SCOTLAND)


WORKING_DAY_CASES = [
    # start, working days, nation, expected
    pytest.param(date(2026, 11, 2), 10, ENGLAND, date(2026, 11, 16), id="two-plain-weeks"),
    pytest.param(date(2026, 11, 6), 1, ENGLAND, date(2026, 11, 9), id="friday-to-monday"),
    pytest.param(date(2026, 11, 7), 1, ENGLAND, date(2026, 11, 9), id="from-a-saturday"),
    pytest.param(date(2026, 12, 24), 1, WALES, date(2026, 12, 29), id="over-christmas"),
    pytest.param(date(2026, 12, 18), 10, WALES, date(2027, 1, 6), id="ten-over-christmas"),
    pytest.param(date(2026, 4, 2), 1, ENGLAND, date(2026, 4, 7), id="over-easter"),
    pytest.param(date(2026, 4, 2), 1, SCOTLAND, date(2026, 4, 6), id="scotland-easter"),
    pytest.param(date(2026, 11, 27), 1, SCOTLAND, date(2026, 12, 1), id="st-andrews-day"),
    pytest.param(date(2026, 11, 27), 1, ENGLAND, date(2026, 11, 30), id="not-in-england"),
]


@pytest.mark.parametrize(("start", "days", "nation", "expected"), WORKING_DAY_CASES)
def test_adding_working_days(start, days, nation, expected):
    assert working_days.add_working_days(start, days, nation) == expected


def test_extra_days_off_are_not_working_days():
    day_off = date(2026, 11, 9)

    assert working_days.add_working_days(date(2026, 11, 6), 1, ENGLAND, (day_off,)) == date(
        2026, 11, 10
    )


# The workflow ------------------------------------------------------------------------------

# A Monday morning, so the deadlines are easy to count.
MONDAY = datetime(2026, 11, 2, 10, 0)


def new(kind=FeedbackKind.COMPLAINT, reply_by=ReplyBy.NONE, **changes):
    fields = {
        "kind": kind,
        "theme": FeedbackTheme.SEARCHES,
        "written_by": WrittenBy.ADULT,
        "message": "The search took so long that we missed half the visit.",
        "name": "",
        "reply_by": reply_by,
        "mobile": None,
        "email": None,
        "language": "en",
    }
    return feedback.NewFeedback(**{**fields, **changes})


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)


@pytest.fixture
def team_member(make_staff, cardiff):
    return make_staff(Role.VISITS_TEAM, prisons=[cardiff])


def audit_actions():
    return db.session.scalars(
        sa.select(StaffAuditEvent.action)
        .where(StaffAuditEvent.record_type == "feedback")
        .order_by(StaffAuditEvent.id)
    ).all()


@pytest.mark.parametrize(
    ("kind", "due"),
    [(FeedbackKind.COMPLAINT, date(2026, 11, 16)), (FeedbackKind.FEEDBACK, date(2026, 11, 30))],
)
def test_the_deadline_counts_working_days_by_kind(ctx, cardiff, kind, due):
    sent = feedback.submit(cardiff, new(kind), MONDAY)
    db.session.commit()

    assert sent.due_on == due
    assert sent.status is FeedbackStatus.RECEIVED
    assert [(e.from_status, e.to_status) for e in sent.events] == [(None, FeedbackStatus.RECEIVED)]
    assert audit_actions() == ["feedback: received"]


def test_the_deadlines_come_from_the_settings(app, ctx, cardiff):
    app.config["FEEDBACK_REPLY_WORKING_DAYS"] = {"complaint": 5, "feedback": 15}
    try:
        sent = feedback.submit(cardiff, new(), MONDAY)
    finally:
        app.config["FEEDBACK_REPLY_WORKING_DAYS"] = {"complaint": 10, "feedback": 20}

    assert sent.due_on == date(2026, 11, 9)


def test_a_complaint_is_triaged_replied_to_and_closed_with_an_audit_row_each(
    ctx, cardiff, team_member
):
    sent = feedback.submit(cardiff, new(reply_by=ReplyBy.SMS, mobile="+447123456789"), MONDAY)
    db.session.commit()

    feedback.triage(sent, FeedbackKind.COMPLAINT, FeedbackTheme.STAFF, team_member, MONDAY)
    feedback.reply(sent, "We are sorry. We have spoken to the officers.", team_member, MONDAY)
    feedback.close(sent, "Searches now start 45 minutes before.", team_member, MONDAY)
    db.session.commit()

    assert sent.status is FeedbackStatus.CLOSED
    assert sent.theme is FeedbackTheme.STAFF
    assert [e.to_status for e in sent.events] == list(FeedbackStatus)
    assert all(e.staff_id == team_member.id for e in sent.events[1:])
    assert audit_actions() == [
        "feedback: received",
        "feedback: triaged",
        "feedback: replied",
        "feedback: closed",
    ]
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.kind is MessageKind.FEEDBACK_REPLY
    assert message.channel is Channel.SMS
    assert message.recipient == "+447123456789"
    assert f"/feedback/{sent.token}" in message.body
    assert "We are sorry" not in message.body  # the reply is read on the private page


def test_a_reply_is_emailed_when_the_family_asked_for_email(ctx, cardiff, team_member):
    sent = feedback.submit(cardiff, new(reply_by=ReplyBy.EMAIL, email="mary@example.com"), MONDAY)
    feedback.triage(sent, sent.kind, sent.theme, team_member, MONDAY)

    feedback.reply(sent, "Thank you.", team_member, MONDAY)

    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.channel, message.recipient) == (Channel.EMAIL, "mary@example.com")


def test_no_message_is_sent_when_no_reply_was_wanted(ctx, cardiff, team_member):
    sent = feedback.submit(cardiff, new(), MONDAY)
    feedback.triage(sent, sent.kind, sent.theme, team_member, MONDAY)

    feedback.reply(sent, "Thank you.", team_member, MONDAY)

    assert count(OutboxMessage) == 0
    assert sent.reply == "Thank you."


def test_only_the_chosen_way_of_replying_is_kept(ctx, cardiff):
    sent = feedback.submit(
        cardiff,
        new(reply_by=ReplyBy.EMAIL, email="mary@example.com", mobile="+447123456789"),
        MONDAY,
    )

    assert (sent.mobile, sent.email) == (None, "mary@example.com")


def test_changing_a_complaint_to_feedback_moves_the_deadline(ctx, cardiff, team_member):
    sent = feedback.submit(cardiff, new(FeedbackKind.COMPLAINT), MONDAY)

    feedback.triage(sent, FeedbackKind.FEEDBACK, FeedbackTheme.BOOKING, team_member, MONDAY)

    assert sent.due_on == date(2026, 11, 30)


def test_feedback_needing_no_reply_can_be_closed_at_once(ctx, cardiff, team_member):
    sent = feedback.submit(cardiff, new(FeedbackKind.FEEDBACK), MONDAY)

    feedback.close(sent, "Passed the thanks on to the visits hall staff.", team_member, MONDAY)

    assert sent.status is FeedbackStatus.CLOSED


@pytest.mark.parametrize(
    "steps",
    [
        ["reply"],  # staff look at it before replying
        ["triage", "triage"],
        ["close", "close"],
        ["close", "reply"],
    ],
    ids=["reply-before-triage", "triage-twice", "close-twice", "reply-after-close"],
)
def test_steps_out_of_order_are_refused(ctx, cardiff, team_member, steps):
    sent = feedback.submit(cardiff, new(), MONDAY)
    actions = {
        "triage": lambda: feedback.triage(sent, sent.kind, sent.theme, team_member, MONDAY),
        "reply": lambda: feedback.reply(sent, "Reply", team_member, MONDAY),
        "close": lambda: feedback.close(sent, "Done", team_member, MONDAY),
    }
    for step in steps[:-1]:
        actions[step]()

    with pytest.raises(InvalidTransition):
        actions[steps[-1]]()


@pytest.mark.parametrize(
    ("status_steps", "today", "overdue"),
    [
        ([], date(2026, 11, 16), False),  # due today
        ([], date(2026, 11, 17), True),
        (["triage"], date(2026, 11, 17), True),
        (["triage", "reply"], date(2026, 11, 30), False),
        (["close"], date(2026, 11, 30), False),
    ],
    ids=["due-today", "new-and-late", "triaged-and-late", "replied", "closed"],
)
def test_overdue_means_still_waiting_for_an_answer_after_the_deadline(
    ctx, cardiff, team_member, status_steps, today, overdue
):
    sent = feedback.submit(cardiff, new(FeedbackKind.COMPLAINT), MONDAY)
    for step in status_steps:
        if step == "triage":
            feedback.triage(sent, sent.kind, sent.theme, team_member, MONDAY)
        elif step == "reply":
            feedback.reply(sent, "Reply", team_member, MONDAY)
        else:
            feedback.close(sent, "Done", team_member, MONDAY)

    assert sent.is_overdue(today) is overdue


def test_the_report_counts_themes_and_answers_for_one_prison(
    ctx, cardiff, make_prison, team_member
):
    usk = make_prison(slug="usk", name="HMP Usk")
    now = utcnow()
    for theme, kind in [
        (FeedbackTheme.SEARCHES, FeedbackKind.COMPLAINT),
        (FeedbackTheme.SEARCHES, FeedbackKind.COMPLAINT),
        (FeedbackTheme.SEARCHES, FeedbackKind.FEEDBACK),
        (FeedbackTheme.CHILDREN, FeedbackKind.FEEDBACK),
    ]:
        feedback.submit(cardiff, new(kind, theme=theme), now)
    feedback.submit(usk, new(theme=FeedbackTheme.SEARCHES), now)
    answered = feedback.submit(cardiff, new(theme=FeedbackTheme.TRAVEL), now)
    feedback.close(answered, "Sent the travel costs leaflet.", team_member, now)
    db.session.commit()

    report = feedback.theme_report(
        cardiff.id, local_today() - timedelta(days=29), local_today(), local_today()
    )

    assert report.count(FeedbackTheme.SEARCHES, FeedbackKind.COMPLAINT) == 2
    assert report.count(FeedbackTheme.SEARCHES, FeedbackKind.FEEDBACK) == 1
    assert report.theme_total(FeedbackTheme.CHILDREN) == 1
    assert report.kind_total(FeedbackKind.COMPLAINT) == 3
    assert report.total == 5
    assert (report.open_count, report.overdue_count) == (4, 0)
    assert (report.answered_on_time, report.answered_late) == (1, 0)


# The family's pages ------------------------------------------------------------------------

FORM = {
    "kind": "complaint",
    "prison": "cardiff",
    "theme": "searches",
    "visit_reference": "",
    "message": "We waited an hour in the rain.",
    "written_by": "adult",
    "name": "",
    "reply_by": "none",
}


def error_summary(page):
    summary = re.search(r'class="govuk-error-summary".*?</ul>', page.text, re.S)
    assert summary, "no error summary"
    return [
        (html.unescape(text.strip()), href)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary.group())
    ]


def test_a_family_complains_anonymously_and_reads_the_reply(family, cardiff, team_member):
    response = family.submit("/feedback", FORM)

    assert response.status_code == 302
    sent = db.session.scalar(sa.select(Feedback))
    assert response.headers["Location"] == f"/feedback/{sent.token}"
    assert len(sent.token) >= 43  # 256 random bits
    assert sent.anonymous and sent.prison_id == cardiff.id
    status = family.get(f"/feedback/{sent.token}")
    assert "We will answer by" in status.text
    assert sent.reference[:4] in status.text

    feedback.triage(sent, sent.kind, sent.theme, team_member, utcnow())
    feedback.reply(sent, "Sorry: we have opened a covered waiting area.", team_member, utcnow())
    db.session.commit()

    assert "opened a covered waiting area" in family.get(f"/feedback/{sent.token}").text
    assert family.get("/feedback/not-a-real-token").status_code == 404


def test_a_child_with_an_adults_help_can_give_feedback_about_the_service(family, cardiff):
    page = family.get("/feedback?child=yes")
    assert re.search(r'value="child"\s+checked', page.text)

    response = family.submit(
        "/feedback",
        {
            **FORM,
            "kind": "feedback",
            "prison": "service",
            "written_by": "child",
            "theme": "children",
        },
    )

    assert response.status_code == 302
    sent = db.session.scalar(sa.select(Feedback))
    assert (sent.prison_id, sent.written_by) == (None, WrittenBy.CHILD)


def test_a_visit_reference_links_the_feedback_to_that_visit(
    family, cardiff, make_session, book_visit
):
    visit = book_visit(make_session(cardiff))

    family.submit("/feedback", {**FORM, "visit_reference": visit.reference.lower()})

    assert db.session.scalar(sa.select(Feedback.visit_id)) == visit.id


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            {"message": "", "kind": None, "reply_by": None},
            [
                ("Select whether you want to give feedback or make a complaint", "#kind"),
                ("Tell us what happened", "#message"),
                ("Select whether you want a reply", "#reply_by"),
            ],
        ),
        ({"reply_by": "sms", "mobile": ""}, [("Enter a mobile number for our reply", "#mobile")]),
        (
            {"reply_by": "sms", "mobile": "0123"},
            [("Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982", "#mobile")],
        ),
        ({"reply_by": "email", "email": ""}, [("Enter an email address for our reply", "#email")]),
        ({"message": "x" * 3001}, [("Write 3000 characters or fewer", "#message")]),
        ({"prison": "nowhere"}, [("Select the prison it is about", "#prison")]),
    ],
    ids=["empty", "no-mobile", "bad-mobile", "no-email", "too-long", "tampered-prison"],
)
def test_problems_are_shown_and_the_answers_kept(family, cardiff, answers, expected):
    data = {k: v for k, v in {**FORM, **answers}.items() if v is not None}

    response = family.submit("/feedback", data)

    assert response.status_code == 200
    assert error_summary(response) == expected
    assert count(Feedback) == 0
    if data.get("message") and len(data["message"]) < 100:
        assert data["message"] in response.text


@pytest.fixture
def limits_switched_back_off():
    # The limiter is one object for every application: turning it on for one turns it on for
    # all, so it goes back off for the tests that follow.
    yield
    limiter.enabled = False


def test_the_family_form_is_rate_limited(database_url, app, limits_switched_back_off):
    limited = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "FEEDBACK_RATE_LIMIT": "2 per minute",
        }
    )
    client = limited.test_client()
    page = client.get("/feedback")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    statuses = [client.post("/feedback", data={"csrf_token": token}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert client.get("/feedback").status_code == 200
    with limited.app_context():
        db.engine.dispose()


# Staff pages -------------------------------------------------------------------------------


@pytest.fixture
def team(sign_in, team_member):
    return sign_in(team_member)


def sent_to(prison, kind=FeedbackKind.COMPLAINT, at=None, **changes):
    sent = feedback.submit(prison, new(kind, **changes), at or utcnow())
    db.session.commit()
    return sent


def test_staff_triage_reply_and_close_through_the_pages(team, cardiff):
    sent = sent_to(cardiff, reply_by=ReplyBy.SMS, mobile="+447123456789")
    base = f"/staff/prisons/cardiff/feedback/{sent.reference}"

    page = team.get("/staff/prisons/cardiff/feedback")
    assert sent.reference[:4] in page.text
    assert team.post(f"{base}/triage", data={}).status_code == 400  # no CSRF token

    def act(step, data):
        page = team.get(base)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return team.post(f"{base}/{step}", data={**data, "csrf_token": token})

    assert act("triage", {"kind": "complaint", "theme": "staff"}).status_code == 302
    empty = act("reply", {"reply-text": ""})
    assert empty.status_code == 400
    assert "Write your reply" in empty.text
    assert act("reply", {"reply-text": "We are sorry."}).status_code == 302
    assert act("close", {"close-outcome": "Spoke to the officers."}).status_code == 302

    db.session.refresh(sent)
    assert sent.status is FeedbackStatus.CLOSED
    assert count(FeedbackEvent) == 4
    assert sent.reference[:4] not in team.get("/staff/prisons/cardiff/feedback").text
    assert sent.reference[:4] in team.get("/staff/prisons/cardiff/feedback?show=all").text


def test_overdue_feedback_is_highlighted(team, cardiff):
    sent_to(cardiff, at=utcnow() - timedelta(days=30))
    sent_to(cardiff)

    page = team.get("/staff/prisons/cardiff/feedback")

    assert page.text.count('class="govuk-table__row app-overdue"') == 1
    assert "Overdue" in page.text


def test_the_report_page_counts_themes(team, cardiff):
    sent_to(cardiff, theme=FeedbackTheme.SEARCHES)
    sent_to(cardiff, FeedbackKind.FEEDBACK, theme=FeedbackTheme.SEARCHES)

    page = team.get("/staff/prisons/cardiff/feedback-report?days=30")

    row = re.search(r"Security checks and searches</th>(.*?)</tr>", page.text, re.S).group(1)
    assert re.findall(r">(\d+)</td>", row) == ["1", "1", "2"]


@pytest.mark.parametrize(
    ("role", "status"), [(Role.CENTRE, 200), (Role.VISITS_TEAM, 200), (Role.CASEWORKER, 403)]
)
def test_feedback_is_for_staff_at_that_prison(make_staff, sign_in, cardiff, role, status):
    sent = sent_to(cardiff)
    client = sign_in(make_staff(role, prisons=[cardiff]))

    assert client.get("/staff/prisons/cardiff/feedback").status_code == status
    assert client.get(f"/staff/prisons/cardiff/feedback/{sent.reference}").status_code == status


def test_another_prisons_feedback_is_not_found(make_staff, sign_in, cardiff, make_prison):
    usk = make_prison(slug="usk")
    sent = sent_to(usk)
    client = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))

    assert client.get("/staff/prisons/usk/feedback").status_code == 404
    assert client.get(f"/staff/prisons/cardiff/feedback/{sent.reference}").status_code == 404


def test_feedback_about_the_whole_service_is_for_administrators(make_staff, sign_in, cardiff):
    sent = sent_to(None)
    team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))
    admin = sign_in(make_staff(Role.ADMIN, prisons=[]))

    assert team.get("/staff/prisons/service/feedback").status_code == 404
    assert admin.get("/staff/feedback").status_code == 302
    assert sent.reference[:4] in admin.get("/staff/prisons/service/feedback").text
