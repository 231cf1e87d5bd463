"""Which languages are offered, the "checked by a fluent speaker" mark, and that every page
says which language it is in and which way it is written."""

import re
from pathlib import Path

import pytest

import config
import languages
from app import create_app, db
from i18n import TRANSLATIONS
from tests.conftest import TEST_SETTINGS
from visits.models import Nation, Prison

EVERY_LANGUAGE = list(languages.NAMES)
PAGES = [
    "/",
    "/prisons/cardiff",
    "/book/prison",
    "/manage",
    "/children",
    "/children/teenagers",
    "/accessibility",
    "/privacy",
    "/feedback",
    "/languages",
]


def write_catalogue(directory: Path, code: str, header: str) -> None:
    path = directory / code / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(f'{header}msgid ""\nmsgstr ""\n"Language: {code}\\n"\n', encoding="utf-8")


@pytest.fixture
def catalogues(tmp_path):
    write_catalogue(tmp_path, "cy", "# Welsh.\n")
    write_catalogue(tmp_path, "pl", "# Polish.\n#\n# Checked by a fluent speaker: yes\n#\n")
    write_catalogue(tmp_path, "ro", "# Romanian.\n# Checked by a fluent speaker: no\n")
    write_catalogue(tmp_path, "sq", "# checked BY a fluent speaker:   YES (Arta, May 2026)\n")
    # The mark only counts in the header comment, not further down.
    write_catalogue(tmp_path, "lt", "#, fuzzy\n# Checked by a fluent speaker: yes\n")
    return tmp_path


def test_the_mark_in_the_header_comment_says_whether_a_fluent_speaker_checked(catalogues):
    checked = {
        code: languages.checked_by_fluent_speaker(catalogues, code)
        for code in ["en", "cy", "pl", "ro", "sq", "lt", "ur"]
    }

    assert checked == {
        "en": True,
        "cy": False,
        "pl": True,
        "ro": False,
        "sq": True,
        "lt": False,
        "ur": False,  # no catalogue
    }


@pytest.mark.parametrize(
    ("setting", "offered"),
    [
        (None, ["en", "cy", "pl", "sq"]),  # the checked ones
        (["ro"], ["en", "cy", "ro"]),  # switched on although unchecked
        ([], ["en", "cy"]),  # Welsh stays on whatever the setting says
        (["pl", "ur", "xx"], ["en", "cy", "pl"]),  # no catalogue, no language
    ],
    ids=["default", "unchecked-switched-on", "only-english-and-welsh", "no-catalogue"],
)
def test_languages_offered(catalogues, setting, offered):
    assert list(languages.enabled(languages.NAMES, setting, catalogues)) == offered


def test_the_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANGUAGES_ENABLED", " pl, UR ,,ro")

    assert config.from_environment()["LANGUAGES_ENABLED"] == ["pl", "ur", "ro"]


@pytest.mark.parametrize(("code", "direction"), [("en", "ltr"), ("cy", "ltr"), ("ur", "rtl")])
def test_text_direction_comes_from_the_locale(code, direction):
    assert languages.direction(code) == direction


def make_app(tmp_path, **settings):
    app = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lang.db'}",
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
        db.session.add(
            Prison(
                slug="cardiff",
                name="HMP Cardiff",
                nation=Nation.WALES,
                address="Knox Road, Cardiff",
                postcode="CF24 0UG",
                latitude=51.4826,
                longitude=-3.1622,
            )
        )
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def every_language(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("every"), LANGUAGES_ENABLED=EVERY_LANGUAGE)
    yield app
    with app.app_context():
        db.engine.dispose()


def html_tag(page):
    return re.search(r"<html [^>]*>", page.text).group()


def test_the_service_offers_english_welsh_and_the_checked_languages_by_default(tmp_path):
    app = make_app(tmp_path)
    expected = [
        code
        for code in EVERY_LANGUAGE
        if code in ("en", "cy") or languages.checked_by_fluent_speaker(TRANSLATIONS, code)
    ]

    assert list(app.config["LANGUAGES"]) == expected
    client = app.test_client()
    for code in EVERY_LANGUAGE:
        lang = code if code in expected else "en"
        assert f'lang="{lang}"' in html_tag(client.get(f"/?lang={code}")), code
        client.get("/?lang=en")
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("code", EVERY_LANGUAGE)
def test_every_page_carries_the_language_and_its_direction(every_language, code):
    client = every_language.test_client()
    client.get(f"/?lang={code}")
    direction = languages.direction(code)

    for url in PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        assert f'<html lang="{code}" dir="{direction}" class="govuk-template">' in page.text, url


def switcher(page):
    return re.search(r'<nav class="app-language-switcher".*?</nav>', page.text, re.S).group()


@pytest.mark.parametrize("code", EVERY_LANGUAGE)
def test_the_switcher_shows_english_welsh_and_the_current_language_and_links_the_rest(
    every_language, code
):
    client = every_language.test_client()

    nav = switcher(client.get(f"/prisons/cardiff?lang={code}"))

    shown = re.findall(r'\slang="(\w+)"', nav)
    assert shown == [c for c in EVERY_LANGUAGE if c in ("en", "cy", code)]
    assert re.search(rf'<span aria-current="true" lang="{code}">', nav)
    other = re.search(r'id="other-languages" href="([^"]+)"', nav).group(1)
    assert other == "/languages?back=/prisons/cardiff?lang%3D" + code


def test_with_only_english_and_welsh_there_is_no_languages_link(tmp_path):
    app = make_app(tmp_path, LANGUAGES_ENABLED=[])

    assert "other-languages" not in app.test_client().get("/").text
    with app.app_context():
        db.engine.dispose()


def language_list(page):
    return re.search(r'<ul class="govuk-list app-language-list".*?</ul>', page.text, re.S).group()


LANGUAGE_LINK = re.compile(
    r'<a class="govuk-link" href="([^"]+)" lang="(\w+)" hreflang="\w+" dir="(\w+)">([^<]+)</a>'
)


def test_the_languages_page_names_each_language_in_its_own_words(every_language):
    client = every_language.test_client()

    page = client.get("/languages?back=/prisons/cardiff%3Fx%3D1%26lang%3Dcy")

    links = LANGUAGE_LINK.findall(language_list(page))
    assert [(lang, name) for _, lang, _, name in links] == [
        (code, name) for code, name in languages.NAMES.items() if code != "en"
    ]
    assert all(href == f"/prisons/cardiff?x=1&amp;lang={lang}" for href, lang, *_ in links)
    assert ("ur", "rtl") in {(lang, direction) for _, lang, direction, _ in links}
    assert 'class="app-language-list__current" aria-current="true" lang="en"' in page.text


@pytest.mark.parametrize(
    "back",
    ["https://evil.example/", "//evil.example/x", "/no/such/page", "javascript:alert(1)", ""],
)
def test_the_languages_page_only_leads_back_into_the_service(every_language, back):
    page = every_language.test_client().get("/languages", query_string={"back": back})

    hrefs = [href for href, *_ in LANGUAGE_LINK.findall(language_list(page))]
    assert len(hrefs) == len(languages.NAMES) - 1
    assert all(href.startswith("/?lang=") for href in hrefs)
