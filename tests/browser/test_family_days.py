"""A family applies for a family day on a phone and the visits team approves it on a tablet,
in English and in Welsh; axe (WCAG 2.2 AA) checks every page, the error page included."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app import db
from family_days.models import FamilyDay
from staff import accounts
from staff.models import Role
from tests.browser.checks import (
    LEAKED_MARKUP,
    BrowserProblems,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
)
from tests.browser.conftest import PHONE, serve
from visits.models import Prison

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}
LANGUAGES = pytest.mark.parametrize("lang", ["en", "cy"], ids=["English", "Welsh"])
EMAIL = "tomos@family-days.example"
PASSWORD = "a long family days password"
PRISON_NUMBERS = {"en": "A1234BC", "cy": "B2345CD"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, compiled_translations):
    with serve(tmp_path_factory.mktemp("family_days"), compiled_translations) as (app, url):
        with app.app_context():
            cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
            accounts.create_staff(None, EMAIL, "Tomos Team", Role.VISITS_TEAM, [cardiff], PASSWORD)
            day = db.session.scalar(sa.select(FamilyDay).where(FamilyDay.prison_id == cardiff.id))
            day_info = (day.id, day.title, day.date)
            db.session.commit()
        yield url, day_info


def _page(browser, url, device):
    context = browser.new_context(**device, base_url=url, locale="en-GB", service_workers="block")
    context.set_default_timeout(15_000)
    return context, context.new_page()


@pytest.fixture
def phone(browser, server):
    context, page = _page(browser, server[0], PHONE)
    yield page
    context.close()


@pytest.fixture
def tablet(browser, server):
    context, page = _page(browser, server[0], TABLET)
    yield page
    context.close()


@pytest.fixture
def t(translator, lang):
    catalogue = translator(lang)

    def gettext(message, **values):
        translated = catalogue.gettext(message)
        return translated % values if values else translated

    return gettext


def checker(page, lang, t, suffix):
    problems = BrowserProblems(page)

    def check(title, *, error=False):
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expected = f"{title} \N{EN DASH} {t(suffix)}"
        expect(page).to_have_title(f"{t('Error:')} {expected}" if error else expected)
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(page.locator("body").inner_text())
        assert not leaked, f"{page.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        seen = problems.take()
        assert not seen, f"the browser reported problems on {page.url}: {seen}"

    return check


def fill_date(page, name, day):
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


@LANGUAGES
def test_a_family_applies_and_the_visits_team_approves(phone, tablet, server, lang, t):
    _, (day_id, day_title, day_date) = server
    family = checker(phone, lang, t, "Visit someone in prison")

    phone.goto(f"/family-days?lang={lang}")
    family(t("Family days"))
    phone.get_by_role("link", name="HMP Cardiff").click()
    family(t("Family days at %(prison)s", prison="HMP Cardiff"))
    phone.get_by_role("button", name=t("Apply for %(title)s", title=day_title)).click()
    family(t("Apply for a family day"))

    phone.get_by_role("button", name=t("Send application")).click()
    family(t("Apply for a family day"), error=True)
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_contain_text(t("Enter the prisoner's first name"))

    phone.locator("#prisoner_first_name").fill("Tom")
    phone.locator("#prisoner_last_name").fill("Jones")
    phone.locator("#prison_number").fill(PRISON_NUMBERS[lang])
    phone.locator("#child1_first_name").fill("Ann")
    phone.locator("#child1_last_name").fill("Jones")
    fill_date(phone, "child1_date_of_birth", day_date.replace(year=day_date.year - 7))
    phone.locator("input[name=child1_relation][value=own]").check()
    phone.locator("#adult1_first_name").fill("Mary")
    phone.locator("#adult1_last_name").fill("Jones")
    fill_date(phone, "adult1_date_of_birth", day_date.replace(year=1985, day=1))
    phone.locator("#mobile").fill("07123 456789")
    phone.get_by_role("button", name=t("Send application")).click()

    family(t("Your family day application"))
    expect(phone.locator(".govuk-panel")).to_contain_text(t("Application sent"))
    expect(phone.locator("main")).to_contain_text(t("Applied"))
    status_url = phone.url.split("?")[0]

    team = checker(tablet, lang, t, "Prison visits staff")
    tablet.goto(f"/staff/login?lang={lang}")
    tablet.get_by_label(t("Email address"), exact=True).fill(EMAIL)
    tablet.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    tablet.get_by_role("button", name=t("Sign in"), exact=True).click()
    tablet.get_by_role("link", name=t("Family days"), exact=True).first.click()
    team(t("Family days"))
    tablet.get_by_role("link", name=day_title).click()
    team(day_title)
    tablet.get_by_role("link", name=re.compile(PRISON_NUMBERS[lang])).click()
    team(t("Application for %(title)s", title=day_title))
    tablet.get_by_role("button", name=t("Approve"), exact=True).click()
    team(t("Application for %(title)s", title=day_title))
    expect(tablet.locator("main")).to_contain_text(t("Place confirmed"))

    phone.goto(status_url)
    family(t("Your family day application"))
    expect(phone.locator("main")).to_contain_text(t("Place confirmed"))
    assert f"/family-days/cardiff/{day_id}/apply" not in phone.content()
