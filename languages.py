"""Which languages families can choose, and which way each one is written.

A catalogue counts as checked by a fluent speaker when its header comment (the lines starting
with "#" above the first msgid) holds this line:

    # Checked by a fluent speaker: yes

The mark lives in the comment because `pybabel update` (run by `make messages`) keeps header
comments but drops header fields it does not know. A catalogue without the line, or with "no",
is unchecked. By default families are offered English, Welsh and every checked language;
LANGUAGES_ENABLED names the languages to offer instead (English and Welsh always stay on).
"""

import re
from pathlib import Path

from babel import Locale

# Every language the service has a catalogue for, each named in its own language, in the
# order the "Choose a language" page lists them.
NAMES = {
    "en": "English",
    "cy": "Cymraeg",
    "pl": "Polski",
    "ro": "Română",
    "sq": "Shqip",
    "lt": "Lietuvių",
    "pt": "Português",
    "ur": "اردو",
}
ALWAYS_ON = ("en", "cy")
CHECKED_MARK = re.compile(
    r"^#\s*Checked by a fluent speaker:\s*(yes|no)\b", re.IGNORECASE | re.MULTILINE
)


def catalogue(translations: Path, code: str) -> Path:
    return translations / code / "LC_MESSAGES" / "messages.po"


def header_comment(po_path: Path) -> str:
    lines = []
    with po_path.open(encoding="utf-8") as po_file:
        for line in po_file:
            if not line.startswith("#") or line.startswith("#,"):
                break
            lines.append(line)
    return "".join(lines)


def checked_by_fluent_speaker(translations: Path, code: str) -> bool:
    if code == "en":
        return True
    path = catalogue(translations, code)
    if not path.exists():
        return False
    mark = CHECKED_MARK.search(header_comment(path))
    return bool(mark) and mark.group(1).lower() == "yes"


def parse_setting(value: str) -> list[str]:
    """LANGUAGES_ENABLED as written in the environment: codes separated by commas."""
    return [code.strip().lower() for code in value.split(",") if code.strip()]


def enabled(known: dict[str, str], wanted: list[str] | None, translations: Path) -> dict:
    """The languages families can choose, in the order of `known`."""
    chosen = {}
    for code, name in known.items():
        has_catalogue = code == "en" or catalogue(translations, code).exists()
        on = checked_by_fluent_speaker(translations, code) if wanted is None else code in wanted
        if code in ALWAYS_ON or (on and has_catalogue):
            chosen[code] = name
    return chosen


def direction(code: str) -> str:
    """The text direction: "rtl" for languages such as Urdu, otherwise "ltr"."""
    return Locale.parse(code).text_direction
