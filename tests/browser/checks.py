import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

AXE_SOURCE = (Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js").read_text()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SUBRESOURCES = {"stylesheet", "script", "image", "font"}
# Escaped markup shown as text, like "Mary Jones<br>Ann Jones" or "&amp;".
LEAKED_MARKUP = re.compile(r"</?[a-z]+[\s/>]|&[a-z]+;|&#\d+;")


class BrowserProblems:
    """What went wrong in the browser since the last look: script errors and broken assets."""

    def __init__(self, page: Page):
        self.seen: list[str] = []
        page.on("pageerror", lambda error: self.seen.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message):
        # A failed load is also reported by _response, with its address; a page answered
        # with 404 on purpose is not a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.seen.append(f"console error: {message.text}")

    def _response(self, response):
        if response.request.resource_type in SUBRESOURCES and response.status >= 400:
            self.seen.append(f"{response.status} for {response.url}")

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


def axe_violations(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through DevTools, axe is not subject to the page's Content Security
        # Policy. page.add_script_tag adds an inline <script> that our CSP (script-src 'self'
        # plus a nonce) blocks, and bypass_csp=True would switch the CSP off for the page
        # under test, hiding any breakage the CSP causes to our own scripts.
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {json.dumps(node['target'])}" for node in violation["nodes"]]
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {page.url}:\n{describe(violations)}"


def assert_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({page: document.documentElement.scrollWidth, screen: window.innerWidth})"
    )
    assert widths["page"] <= widths["screen"], f"{page.url} scrolls sideways: {widths}"


class Checker:
    """Checks every page a test visits the same way, and keeps screenshots when asked."""

    def __init__(self, page: Page, lang: str, gettext, screenshot_dir: Path | None, prefix: str):
        self.page = page
        self.problems = BrowserProblems(page)
        self.lang = lang
        self.gettext = gettext
        self.screenshot_dir = screenshot_dir
        self.prefix = prefix
        self.count = 0

    def __call__(self, name: str, title: str, *, error: bool = False) -> None:
        page, _ = self.page, self.gettext
        page.wait_for_load_state("load")
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        expected = f"{title} \N{EN DASH} {_('Visit someone in prison')}"
        expect(page).to_have_title(f"{_('Error:')} {expected}" if error else expected)
        # GOV.UK Frontend's JavaScript ran (the CSP let it) and marked the page as enhanced.
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(page.locator("body").inner_text())
        assert not leaked, f"{page.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        problems = self.problems.take()
        assert not problems, f"the browser reported problems on {page.url}: {problems}"
        if self.screenshot_dir is not None:
            self.count += 1
            path = self.screenshot_dir / f"{self.prefix}-{self.count:02d}-{name}.png"
            page.screenshot(path=str(path), full_page=True)
