"""A caseworker checks a claim for travel costs and approves it with a changed amount, on a
laptop, with axe (WCAG 2.2 AA) finding nothing on any page."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app import db
from assisted_visits import claims
from assisted_visits.banking import cipher_from_config
from assisted_visits.evidence import folder_for
from assisted_visits.models import Benefit, ClaimRelationship, EvidenceKind, ExpenseType
from staff import accounts
from staff.models import Role
from tests.assisted_visits.conftest import BANK, PDF, PNG, PRISONER, claimant, now_local
from tests.browser.checks import LEAKED_MARKUP, BrowserProblems, assert_no_axe_violations
from tests.browser.conftest import serve
from timeutil import local_today, utcnow
from visits.models import Prison
from visits.rules import format_reference

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 900}}
EMAIL = "cai@casework.example"
CENTRE_EMAIL = "carys@centre.example"
PASSWORD = "a long caseworker password"


def send_a_claim(app) -> str:
    """Mary's claim for a visit to HMP Cardiff three days ago, as the family's pages make it."""
    with app.app_context():
        cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
        today, now = local_today(), utcnow()
        claim = claims.start_claim(now)
        claims.set_visit(claim, cardiff, today - timedelta(days=3), today)
        claims.set_prisoner(claim, PRISONER)
        claims.set_claimant(claim, claimant())
        claims.set_relationship(claim, ClaimRelationship.PARENT, None)
        claims.set_benefit(claim, Benefit.PENSION_CREDIT, None)
        claims.add_expense(claim, ExpenseType.CAR, {"from": "Newport", "miles": "100"})
        claims.add_expense(claim, ExpenseType.REFRESHMENTS, {"hours": "6"})
        folder = folder_for(app)
        claims.add_evidence(claim, EvidenceKind.BENEFIT, "letter.png", PNG, folder, "family", now)
        claims.add_evidence(
            claim, EvidenceKind.PROOF_OF_VISIT, "pass.pdf", PDF, folder, "family", now
        )
        claims.set_bank_details(claim, BANK, cipher_from_config(app.config))
        claims.submit(claim, True, today, now, now_local())
        accounts.create_staff(None, EMAIL, "Cai Caseworker", Role.CASEWORKER, [cardiff], PASSWORD)
        accounts.create_staff(None, CENTRE_EMAIL, "Carys Centre", Role.CENTRE, [cardiff], PASSWORD)
        db.session.commit()
        return format_reference(claim.reference)


@pytest.fixture(scope="module")
def casework_server(tmp_path_factory, compiled_translations):
    folder = tmp_path_factory.mktemp("casework")
    evidence = str(folder / "evidence")
    with serve(folder, compiled_translations, EVIDENCE_FOLDER=evidence) as (app, url):
        yield url, send_a_claim(app)


@pytest.fixture
def laptop(browser, casework_server):
    url, _ = casework_server
    context = browser.new_context(**LAPTOP, base_url=url, locale="en-GB", service_workers="block")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def check(laptop, screenshot_dir, request):
    problems = BrowserProblems(laptop)
    prefix = request.node.name
    taken = []

    def check_page(name, title, *, error=False):
        laptop.wait_for_load_state("load")
        expected = f"{title} \N{EN DASH} Prison visits staff"
        expect(laptop).to_have_title(f"Error: {expected}" if error else expected)
        expect(laptop.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(laptop.locator("body").inner_text())
        assert not leaked, f"{laptop.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(laptop)
        seen = problems.take()
        assert not seen, f"the browser reported problems on {laptop.url}: {seen}"
        if screenshot_dir is not None:
            taken.append(name)
            path = screenshot_dir / f"{prefix}-{len(taken):02d}-{name}.png"
            laptop.screenshot(path=str(path), full_page=True)

    return check_page


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def test_a_caseworker_checks_and_approves_a_claim(laptop, check, casework_server):
    page, (_, reference) = laptop, casework_server
    page.goto("/staff/login")
    check("sign-in", "Sign in")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")

    check("dashboard", "Your prisons")
    page.get_by_role("link", name="Travel cost claims", exact=True).first.click()
    check("queue", "Travel cost claims")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Mary Jones")
    expect(row).to_contain_text("You to decide")

    page.get_by_role("link", name=reference).click()
    check("claim", f"Claim {reference}")
    expect(page.locator("#rule-checks")).not_to_contain_text("Fails")
    expect(page.locator("#bank-details")).to_contain_text("****3445")

    press(page, "Show the full bank details")
    check("bank-details", f"Claim {reference}")
    expect(page.locator("#bank-details")).to_contain_text("00733445")

    page.get_by_role("link", name="Approve", exact=True).click()
    check("approve", "Approve the claim")
    page.get_by_label("1. Car or motorbike").fill("15")
    press(page, "Approve the claim")

    check("approve-error", "Approve the claim", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give a reason for changing the amounts.")
    expect(page.get_by_label("1. Car or motorbike")).to_have_value("15")
    summary.get_by_role("link", name="Give a reason for changing the amounts.").click()
    expect(page.get_by_label("Reason for changing an amount")).to_be_focused()
    page.get_by_label("Reason for changing an amount").fill("The shortest route is 75 miles.")
    press(page, "Approve the claim")

    check("approved", f"Claim {reference}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Claim approved")
    expect(page.locator("#claim-status")).to_contain_text("Approved")
    expect(page.locator("#decision")).to_contain_text("£18.50")
    expect(page.locator("#decision")).to_contain_text("The shortest route is 75 miles.")
    expect(page.locator("#actions")).to_have_count(0)


def test_the_other_decisions_and_assisted_claims_pass_axe(laptop, check, casework_server):
    page, (_, reference) = laptop, casework_server
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    plain = reference.replace("-", "")

    page.goto(f"/staff/prisons/cardiff/claims/{plain}/reject")
    check("reject", "Do not approve the claim")
    press(page, "Do not approve the claim")
    check("reject-error", "Do not approve the claim", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the reason")

    page.goto(f"/staff/prisons/cardiff/claims/{plain}/request-information")
    check("ask", "Ask the family for information")
    press(page, "Ask the family")
    check("ask-error", "Ask the family for information", error=True)

    page.goto("/staff/prisons/cardiff/claims?reference=nope")
    check("find-error", "Travel cost claims", error=True)


def test_a_centre_worker_starts_a_claim_with_a_family(laptop, check, casework_server):
    page = laptop
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(CENTRE_EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    page.get_by_role("link", name="Help a family claim travel costs").first.click()

    check("assist", "Help a family claim travel costs")
    page.get_by_label("Visit reference (optional)").fill("ZZZZ-9999")
    press(page, "Start the claim")
    check("assist-error", "Help a family claim travel costs", error=True)
    expect(page.get_by_label("Visit reference (optional)")).to_have_value("ZZZZ-9999")
    page.get_by_label("Visit reference (optional)").fill("")
    press(page, "Start the claim")

    expect(page).to_have_url(re.compile(r"/help-with-costs/claim/visit$"))
    expect(page.get_by_label("HMP Cardiff")).to_be_checked()
    assert_no_axe_violations(page)
