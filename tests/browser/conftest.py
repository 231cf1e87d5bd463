import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app, db
from timeutil import local_today, utcnow
from visits import demo

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "translations"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Generous waits: the suite shares its machine with benchmarks and other test runs.
expect.set_options(timeout=10_000)
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    # Compiled .mo files are build output and may be missing or stale in a checkout, so the
    # live server and the tests both read catalogues compiled from the current .po files.
    out = tmp_path_factory.mktemp("translations")
    for po_path in CATALOGUES.glob("*/LC_MESSAGES/messages.po"):
        mo_path = out / po_path.relative_to(CATALOGUES).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True)
        with po_path.open("rb") as po, mo_path.open("wb") as mo:
            # As `make translations` does: fuzzy entries are used rather than shown in English.
            write_mo(mo, read_po(po), use_fuzzy=True)
    return out


@contextmanager
def serve(folder: Path, translations: Path, *, demo_data: bool = True, **settings):
    """The service on its own SQLite file in `folder`, on a free port of 127.0.0.1.

    Yields (app, base URL); a fixture adds what its tests need inside `app.app_context()`.
    """
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'visits.db'}",
            "TESTING": True,
            "FORCE_HTTPS": False,
            "SESSION_COOKIE_SECURE": False,
            "SECRET_KEY": "browser-test-secret-key",
            "RATELIMIT_ENABLED": False,
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
        if demo_data:
            demo.load(local_today(), utcnow())
            db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, compiled_translations):
    with serve(tmp_path_factory.mktemp("live"), compiled_translations) as (_, url):
        yield url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        # Without user_data_dir Playwright gives every launch a fresh temporary profile.
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_language():
    """The language the phone's browser asks for; tests override it to start elsewhere."""
    return "en-GB"


@pytest.fixture
def page(browser, live_server, browser_language):
    context = browser.new_context(
        **PHONE, base_url=live_server, locale=browser_language, service_workers="block"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def translator(compiled_translations):
    def load(lang):
        if lang == "en":
            return NullTranslations()
        return Translations.load(str(compiled_translations), [lang])

    return load


@pytest.fixture(scope="session")
def screenshot_dir():
    """Set SCREENSHOTS_DIR to keep a full-page screenshot of every page the tests check."""
    wanted = os.environ.get("SCREENSHOTS_DIR")
    if not wanted:
        return None
    path = Path(wanted)
    path.mkdir(parents=True, exist_ok=True)
    return path
