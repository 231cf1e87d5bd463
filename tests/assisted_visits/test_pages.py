"""The family's pages through the test client: checking, claiming, and only their own claim."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from app import create_app, db
from assisted_visits import claims
from assisted_visits.evidence import MAX_BYTES
from assisted_visits.models import Claim, ClaimStatus, EvidenceKind
from tests.assisted_visits.conftest import JPEG, PDF, PNG, now_local, png_bytes
from tests.conftest import TEST_SETTINGS, FormClient
from tests.visits.journey_steps import book, error_summary
from timeutil import local_today, utcnow
from visits.models import Nation, Visit

BASE = "/help-with-costs"
CLAIMANT_BORN = (17, 5, 1960)


def date_fields(name, day):
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


ABOUT_YOU = {
    "first_name": "Mary",
    "last_name": "Jones",
    "date_of_birth-day": "17",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1960",
    "ni_number": "ab 12 34 56 c",
    "address_line_1": "1 High Street",
    "address_line_2": "",
    "town": "Cardiff",
    "postcode": "cf10 1aa",
    "phone": "07123 456789",
    "email": "",
}
PRISONER = {
    "first_name": "Tom",
    "last_name": "Jones",
    "date_of_birth-day": "1",
    "date_of_birth-month": "2",
    "date_of_birth-year": "1980",
    "prison_number": "a1234bc",
}
BANK = {"account_name": "Mary Jones", "sort_code": "30-94-30", "account_number": "0073 3445"}


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)
    make_session(prison, on=local_today() + timedelta(days=10), open_tables=3)
    return prison


def csrf_of(page_text):
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def upload(client, kind, name, data, page=f"{BASE}/claim/evidence", to=None):
    token = csrf_of(client.get(page).text)
    response = client.post(
        to or f"{BASE}/claim/evidence/upload",
        data={"csrf_token": token, "kind": kind, "file": (BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    # The test client spools a large body to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def send(client, page, to, data=None):
    """Post a form shown on one page to another address, as its button does."""
    token = csrf_of(client.get(page).text)
    return client.post(to, data={**(data or {}), "csrf_token": token})


def step(client, url, data=None):
    response = client.submit(f"{BASE}{url}", data or {})
    assert response.status_code == 302, (url, error_summary(response.text) or response.text[:500])
    return response.headers["Location"]


def start_claim(client, prison, visit_date=None):
    visit_date = visit_date or local_today() - timedelta(days=3)
    assert step(client, "/claim/start").endswith("/claim/visit")
    step(
        client, "/claim/visit", {"prison": str(prison.id), **date_fields("visit_date", visit_date)}
    )
    step(client, "/claim/prisoner", PRISONER)
    step(client, "/claim/about-you", ABOUT_YOU)
    step(client, "/claim/relationship", {"relation": "parent"})
    step(client, "/claim/benefit", {"benefit": "pension_credit"})
    step(client, "/claim/children", {"add_another": "no"})
    step(client, "/claim/escort", {"has_escort": "no"})
    assert step(client, "/claim/costs/add", {"type": "car"}).endswith("/claim/costs/add/car")
    step(client, "/claim/costs/add/car", {"from_place": "Newport", "miles": "84.5"})


def finish_claim(client):
    assert upload(client, "benefit", "letter.png", PNG).status_code == 302
    assert upload(client, "visit", "pass.pdf", PDF).status_code == 302
    step(client, "/claim/evidence", {})
    step(client, "/claim/bank", BANK)
    assert step(client, "/claim/check", {"declaration": "yes"}).endswith("/claim/sent")
    return client.get(f"{BASE}/claim/sent")


def sent_claim():
    return db.session.scalar(sa.select(Claim).where(Claim.status != ClaimStatus.DRAFT))


@pytest.fixture
def claimed(family, cardiff, evidence_folder):
    start_claim(family, cardiff)
    finish_claim(family)
    return sent_claim()


# The eligibility checker.


def test_the_checker_asks_one_question_a_page_and_explains_the_answer(family, cardiff):
    assert family.get(f"{BASE}/check").headers["Location"].endswith("/check/relationship")
    answers = [
        ("relationship", "other", "only-visitor"),
        ("only-visitor", "no", "prison"),
        ("prison", "scotland", "benefit"),
        ("benefit", "universal_credit", "earnings"),
        ("earnings", "yes", "age"),
        ("age", "16_17", "northern-ireland"),
        ("northern-ireland", "no", "result"),
    ]
    for slug, answer, next_slug in answers:
        page = family.get(f"{BASE}/check/{slug}")
        assert page.text.count('class="govuk-radios"') == 1, slug
        assert page.text.count("govuk-fieldset__legend--l") == 1, slug
        assert step(family, f"/check/{slug}", {"answer": answer}).endswith(f"/check/{next_slug}")

    result = family.get(f"{BASE}/check/result").text
    assert "You can probably get help with travel costs" in result
    assert "only visitor in the last 4 weeks" in result
    assert "The prison is in Scotland" in result
    assert "Start a claim" in result


def test_a_family_who_cannot_get_help_is_told_why_and_where_else_to_go(family, cardiff):
    for slug, answer in [("relationship", "partner"), ("prison", "northern_ireland")]:
        step(family, f"/check/{slug}", {"answer": answer})

    result = family.get(f"{BASE}/check/result").text

    assert "You cannot get help from this scheme" in result
    assert "does not cover prisons in Northern Ireland" in result
    assert "Northern Ireland Prison Service has its own scheme" in result
    assert "0808 808 2003" in result


def test_the_checker_cannot_be_skipped_or_tampered_with(family, cardiff):
    assert family.get(f"{BASE}/check/age").headers["Location"].endswith("/check/relationship")
    assert family.get(f"{BASE}/check/result").headers["Location"].endswith("/check/relationship")
    assert family.get(f"{BASE}/check/nowhere").status_code == 404

    wrong = family.submit(f"{BASE}/check/relationship", {"answer": "uncle"})

    assert wrong.status_code == 200
    assert "Select your relationship to the person in prison" in error_summary(wrong.text)


# Making a claim.


def test_a_family_claims_for_a_visit_they_made(family, cardiff, evidence_folder, cipher):
    start_claim(family, cardiff)
    costs = family.get(f"{BASE}/claim/costs").text
    assert "£16.90" in costs  # 84.5 miles at 20p, the rate for a prison in Wales

    sent = finish_claim(family)

    claim = sent_claim()
    assert claim.status is ClaimStatus.NEW
    assert claims.rules.format_reference(claim.reference) in sent.text
    assert claim.claimant.ni_number == "AB123456C"
    assert claim.claimant.postcode == "CF10 1AA"
    assert claim.total_claimed_pence == 1690
    assert sorted(e.kind for e in claim.evidence) == [
        EvidenceKind.BENEFIT,
        EvidenceKind.PROOF_OF_VISIT,
    ]
    stored = {e.stored_name: e for e in claim.evidence}
    assert sorted(p.name for p in evidence_folder.iterdir()) == sorted(stored)
    assert "letter" not in " ".join(stored)
    assert claims.bank_details_of(claim, cipher).account_number == "00733445"

    status = family.get(f"{BASE}/claims/{claim.reference}")
    assert status.status_code == 200
    assert "Waiting to be checked" in status.text


def test_check_your_answers_shows_bank_details_masked(family, cardiff, evidence_folder):
    start_claim(family, cardiff)
    upload(family, "benefit", "letter.png", PNG)
    step(family, "/claim/evidence", {"later": "yes"})
    step(family, "/claim/bank", BANK)

    page = family.get(f"{BASE}/claim/check").text

    assert "**-**-30" in page and "****3445" in page
    assert "00733445" not in page and "309430" not in page
    assert "AB 12 34 56 C" in page


def test_a_claim_starts_from_the_booking_confirmation(family, cardiff, evidence_folder):
    confirmation = book(family, "cardiff")
    visit = db.session.scalar(sa.select(Visit))
    link = f"{BASE}/claim/start?visit={visit.manage_token}"
    assert link in confirmation.text.replace("&amp;", "&")

    start_page = family.get(link)
    assert "from your booking" in start_page.text
    token = csrf_of(start_page.text)
    response = family.post(link, data={"csrf_token": token, "visit": visit.manage_token})
    assert response.headers["Location"].endswith("/claim/visit")

    visit_page = family.get(f"{BASE}/claim/visit").text
    assert f'value="{cardiff.id}" checked' in visit_page
    assert f'value="{visit.session.date.day}"' in visit_page
    day = visit.session.date
    step(family, "/claim/visit", {"prison": str(cardiff.id), **date_fields("visit_date", day)})
    assert 'value="Tom"' in family.get(f"{BASE}/claim/prisoner").text
    draft = db.session.scalar(sa.select(Claim))
    assert draft.visit_id == visit.id


def test_an_unknown_booking_link_starts_an_empty_claim(family, cardiff):
    page = family.get(f"{BASE}/claim/start?visit=" + "x" * 43)

    assert page.status_code == 200
    assert "from your booking" not in page.text


def test_claim_pages_need_a_claim_in_progress(family, cardiff):
    for url in ["/claim/visit", "/claim/about-you", "/claim/costs", "/claim/check"]:
        assert family.get(f"{BASE}{url}").headers["Location"].endswith("/claim/start"), url


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ni_number": "QQ 12 34 56 C"}, "ni_number", "National Insurance number in the right"),
        ({"ni_number": "AB 12 34 56 E"}, "ni_number", "National Insurance number in the right"),
        ({"postcode": "CF10"}, "postcode", "Enter a real postcode"),
        ({"phone": "12345"}, "phone", "Enter a UK phone number"),
        ({"phone": ""}, "phone", "Enter a phone number or an email address"),
        ({"first_name": "M" * 101}, "first_name", "100 characters or fewer"),
        ({"date_of_birth-month": "13"}, "date_of_birth-day", "must be a real date"),
        ({"postcode": "BT1 1AA"}, "postcode", "Northern Ireland scheme"),
        ({"date_of_birth-year": str(local_today().year - 10)}, "date_of_birth-day", "18 or over"),
    ],
)
def test_claimant_details_are_checked_strictly_and_kept_when_wrong(
    family, cardiff, changes, field, message
):
    step(family, "/claim/start")
    visit_day = local_today() - timedelta(days=3)
    step(
        family, "/claim/visit", {"prison": str(cardiff.id), **date_fields("visit_date", visit_day)}
    )
    step(family, "/claim/prisoner", PRISONER)

    response = family.submit(f"{BASE}/claim/about-you", {**ABOUT_YOU, **changes})

    assert response.status_code == 200
    summary = error_summary(response.text)
    assert message in summary
    assert f'href="#{field}"' in summary
    assert 'value="1 High Street"' in response.text


def walk_to_relationship(client, prison):
    step(client, "/claim/start")
    visit_day = local_today() - timedelta(days=3)
    step(client, "/claim/visit", {"prison": str(prison.id), **date_fields("visit_date", visit_day)})
    step(client, "/claim/prisoner", PRISONER)
    step(client, "/claim/about-you", ABOUT_YOU)


def test_a_friend_is_asked_next_whether_they_are_the_only_visitor(family, cardiff):
    walk_to_relationship(family, cardiff)

    assert step(family, "/claim/relationship", {"relation": "other"}).endswith("/only-visitor")
    not_only = family.submit(f"{BASE}/claim/only-visitor", {"anyone_else": "yes"})
    assert "only visitor in the last 4 weeks" in error_summary(not_only.text)
    assert 'href="#anyone_else"' in error_summary(not_only.text)
    assert step(family, "/claim/only-visitor", {"anyone_else": "no"}).endswith("/claim/benefit")
    claimant = db.session.scalar(sa.select(Claim)).claimant
    assert claimant.sole_visitor


def test_universal_credit_is_followed_by_the_earnings_limit(family, cardiff):
    walk_to_relationship(family, cardiff)
    step(family, "/claim/relationship", {"relation": "sibling"})

    assert step(family, "/claim/benefit", {"benefit": "universal_credit"}).endswith("/earnings")
    question = family.get(f"{BASE}/claim/earnings").text
    over = family.submit(f"{BASE}/claim/earnings", {"within_limit": "no"})
    assert "£1,250 or less" in question
    assert "£1,250 a month or less" in error_summary(over.text)
    assert step(family, "/claim/earnings", {"within_limit": "yes"}).endswith("/claim/children")


def test_an_escort_is_paid_for_only_with_age_or_a_medical_condition(family, cardiff):
    walk_to_relationship(family, cardiff)
    step(family, "/claim/relationship", {"relation": "parent"})
    step(family, "/claim/benefit", {"benefit": "hc2"})
    step(family, "/claim/children", {"add_another": "no"})
    escort = {
        "first_name": "Ben",
        "last_name": "Jones",
        **date_fields("date_of_birth", local_today() - timedelta(days=365 * 30)),
    }

    assert step(family, "/claim/escort", {"has_escort": "yes"}).endswith("/escort/details")
    # Mary is 66 at her visit: under 75, so only a serious medical condition allows an escort.
    refused = family.submit(f"{BASE}/claim/escort/details", {**escort, "medical_condition": "no"})
    step(family, "/claim/escort/details", {**escort, "medical_condition": "yes"})

    assert "75 or over" in error_summary(refused.text)
    assert 'value="Ben"' in refused.text
    claim = db.session.scalar(sa.select(Claim))
    assert claim.escort.first_name == "Ben"
    assert EvidenceKind.MEDICAL in claims.required_evidence(claim, now_local())


@pytest.mark.parametrize(
    ("days_from_today", "message"),
    [
        (-29, "within 28 days of your visit"),
        (3, "too soon to claim in advance"),
        (29, "up to 28 days before your visit"),
    ],
)
def test_visit_dates_outside_the_claim_windows_are_explained(
    family, cardiff, days_from_today, message
):
    step(family, "/claim/start")
    day = local_today() + timedelta(days=days_from_today)

    response = family.submit(
        f"{BASE}/claim/visit", {"prison": str(cardiff.id), **date_fields("visit_date", day)}
    )

    assert message in error_summary(response.text)


def test_costs_follow_the_rules_with_a_message_on_the_answer_that_breaks_them(
    family, cardiff, evidence_folder
):
    start_claim(family, cardiff)
    taxi = {
        "from_place": "Station",
        "to_place": "Prison",
        "cost": "12.00",
        "public_transport": "no",
        "walk_minutes": "15",
    }
    refused_taxi = family.submit(f"{BASE}/claim/costs/add/taxi", taxi)
    stay = {"nights": "1", "cost": "60", "approved_before": "no"}
    refused_stay = family.submit(f"{BASE}/claim/costs/add/accommodation", stay)
    bad_money = family.submit(
        f"{BASE}/claim/costs/add/bus", {"from_place": "A", "to_place": "B", "cost": "£12.345"}
    )
    step(family, "/claim/costs/add/taxi", {**taxi, "walk_minutes": "35"})
    step(family, "/claim/costs/add/refreshments", {"hours": "6.5"})

    assert "walk would take over 20 minutes" in error_summary(refused_taxi.text)
    assert 'href="#walk_minutes"' in error_summary(refused_taxi.text)
    assert "agreed to it before your visit" in error_summary(refused_stay.text)
    assert "pounds and pence" in error_summary(bad_money.text)
    claim = db.session.scalar(sa.select(Claim))
    assert [e.claimed_pence for e in claim.expenses] == [1690, 1200, 350]
    assert claim.total_claimed_pence == 3240


def test_an_advance_claim_can_ask_for_a_place_to_stay(family, cardiff, evidence_folder):
    start_claim(family, cardiff, visit_date=local_today() + timedelta(days=10))

    page = family.get(f"{BASE}/claim/costs/add/accommodation").text
    step(family, "/claim/costs/add/accommodation", {"nights": "1", "cost": "60"})

    assert "approved_before" not in page
    claim = db.session.scalar(sa.select(Claim))
    assert claim.expenses[-1].claimed_pence == 6000


# Evidence uploads.


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("letter.png", b"GIF89a\x01\x00\x01\x00", "must be a PNG, JPG or PDF"),
        ("letter.pdf", b"<html><script>alert(1)</script></html>", "must be a PNG, JPG or PDF"),
        ("letter.png", PNG[:-12], "damaged or incomplete"),
        ("letter.pdf", b"%PDF-1.4\n1 0 obj", "damaged or incomplete"),
        ("letter.jpg", JPEG[:-2], "damaged or incomplete"),
        ("empty.png", b"", "The selected file is empty"),
        ("big.png", png_bytes(padding=MAX_BYTES), "must be smaller than 5 MB"),
    ],
    ids=["gif", "html-as-pdf", "cut-png", "cut-pdf", "cut-jpeg", "empty", "just-over-5-mb"],
)
def test_wrong_malformed_and_oversize_uploads_get_a_clear_message(
    family, cardiff, evidence_folder, name, data, message
):
    start_claim(family, cardiff)

    response = upload(family, "benefit", name, data)

    assert response.status_code == 200
    summary = error_summary(response.text)
    assert message in summary
    assert 'href="#file"' in summary
    assert not evidence_folder.exists() or not any(evidence_folder.iterdir())
    assert db.session.scalar(sa.select(Claim)).evidence == []


def test_a_file_far_over_the_limit_is_stopped_before_it_is_read(family, cardiff, evidence_folder):
    start_claim(family, cardiff)

    response = upload(family, "benefit", "huge.png", png_bytes(padding=7 * 1024 * 1024))

    assert response.status_code == 413
    assert "The selected file must be smaller than 5 MB" in response.text
    assert f'href="{BASE}/claim/evidence"' in response.text


def test_an_upload_without_a_file_or_kind_is_refused(family, cardiff, evidence_folder):
    start_claim(family, cardiff)
    token = csrf_of(family.get(f"{BASE}/claim/evidence").text)

    response = family.post(
        f"{BASE}/claim/evidence/upload",
        data={"csrf_token": token},
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()

    summary = error_summary(response.text)
    assert "Select what the file shows" in summary
    assert "Select a file" in summary


def test_continuing_without_evidence_needs_a_promise_to_send_it(family, cardiff, evidence_folder):
    start_claim(family, cardiff)

    response = family.submit(f"{BASE}/claim/evidence", {})

    assert "select that you will send it later" in error_summary(response.text)


# Only the family whose claim it is.


def test_a_stranger_cannot_see_a_claim_or_its_evidence(app, claimed):
    stranger = FormClient(app)
    evidence = claimed.evidence[0]

    status = stranger.get(f"{BASE}/claims/{claimed.reference}")
    download = stranger.get(f"{BASE}/claims/{claimed.reference}/evidence/{evidence.id}")
    upload_attempt = upload(
        stranger,
        "other",
        "x.png",
        PNG,
        page=f"{BASE}/claims/find",
        to=f"{BASE}/claims/{claimed.reference}/evidence",
    )

    assert status.headers["Location"].endswith("/claims/find")
    assert download.status_code == 404
    assert upload_attempt.headers["Location"].endswith("/claims/find")
    assert len(db.session.get(Claim, claimed.id).evidence) == 2


def test_the_family_downloads_their_own_evidence_safely(family, claimed):
    evidence = next(e for e in claimed.evidence if e.kind is EvidenceKind.PROOF_OF_VISIT)

    response = family.get(f"{BASE}/claims/{claimed.reference}/evidence/{evidence.id}")
    body = response.get_data()
    response.close()  # a server closes the file it sent; the test client leaves that to us

    assert response.status_code == 200
    assert body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "pass.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_evidence_of_another_claim_is_not_reachable_through_your_own(app, family, claimed, cardiff):
    neighbour = FormClient(app)
    start_claim(neighbour, cardiff)
    upload(neighbour, "benefit", "theirs.png", PNG)
    theirs = db.session.scalar(sa.select(Claim).where(Claim.status == ClaimStatus.DRAFT)).evidence[
        0
    ]

    through_own = family.get(f"{BASE}/claims/{claimed.reference}/evidence/{theirs.id}")
    own_draft = neighbour.get(f"{BASE}/claims/{theirs.claim.reference}/evidence/{theirs.id}")
    own_draft.close()

    assert through_own.status_code == 404
    assert own_draft.status_code == 200


def test_a_family_finds_their_claim_and_answers_a_question(app, claimed):
    claims.request_information(claimed, "staff:1", "Send a photo of your bus tickets.", utcnow())
    db.session.commit()
    phone = FormClient(app)  # another device: the claim is found by reference and birth date
    answers = {
        "reference": claimed.reference.lower(),
        **date_fields("date_of_birth", claimed.claimant.date_of_birth),
    }

    wrong = phone.submit(f"{BASE}/claims/find", {**answers, "date_of_birth-day": "18"})
    found = phone.submit(f"{BASE}/claims/find", answers)
    status = phone.get(found.headers["Location"])
    status_url = f"{BASE}/claims/{claimed.reference}"
    empty_reply = send(phone, status_url, f"{status_url}/reply", {"message": ""})
    upload(
        phone,
        "receipt",
        "tickets.jpg",
        JPEG,
        page=f"{BASE}/claims/{claimed.reference}",
        to=f"{BASE}/claims/{claimed.reference}/evidence",
    )
    reply = send(phone, status_url, f"{status_url}/reply", {"message": "Here are the tickets."})

    assert "We could not find a claim" in error_summary(wrong.text)
    assert "Send a photo of your bus tickets." in status.text
    assert "Answer our question" in error_summary(empty_reply.text)
    assert reply.status_code == 302
    claim = db.session.get(Claim, claimed.id)
    assert claim.status is ClaimStatus.UPDATED
    assert claim.events[-1].note == "Here are the tickets."
    assert EvidenceKind.RECEIPT in [e.kind for e in claim.evidence]


def test_a_decided_claim_offers_a_claim_for_another_visit_filled_in(family, claimed):
    claims.approve(claimed, "staff:1", utcnow(), now_local())
    db.session.commit()

    status = family.get(f"{BASE}/claims/{claimed.reference}").text
    again = send(
        family, f"{BASE}/claims/{claimed.reference}", f"{BASE}/claims/{claimed.reference}/again"
    )

    assert "Approved" in status and "£16.90" in status
    assert again.headers["Location"].endswith("/claim/visit")
    assert f'value="{claimed.prison_id}" checked' in family.get(f"{BASE}/claim/visit").text
    next_visit = {"prison": str(claimed.prison_id), **date_fields("visit_date", local_today())}
    step(family, "/claim/visit", next_visit)
    about_you = family.get(f"{BASE}/claim/about-you").text
    assert 'value="AB 12 34 56 C"' in about_you
    bank = family.get(f"{BASE}/claim/bank").text
    assert "****3445" in bank


def test_finding_claims_is_rate_limited(database_url, app):
    limited = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOOKUP_RATE_LIMIT": "3 per minute",
        }
    )
    client = limited.test_client()
    token = csrf_of(client.get(f"{BASE}/claims/find").text)
    guess = {
        "csrf_token": token,
        "reference": "BCDF2345",
        **date_fields("date_of_birth", local_today() - timedelta(days=20000)),
    }

    statuses = [client.post(f"{BASE}/claims/find", data=guess).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    with limited.app_context():
        db.engine.dispose()
