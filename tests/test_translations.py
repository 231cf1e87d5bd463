"""Keep every language's catalogue complete and in step with the code.

If one of these fails after you changed some user-facing text:

    make messages        # re-extract into translations/messages.pot and update each catalogue
    # translate whatever is new or changed in translations/<lang>/LC_MESSAGES/messages.po
    make translations    # compile, to see it in the running service
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
# Every catalogue must be complete, checked by a fluent speaker or not: an unchecked draft is
# off unless LANGUAGES_ENABLED switches it on (see languages.py), and once on it must not
# fall back to English halfway through a page.
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"<[^>]*>")


def load(path):
    with path.open("rb") as po_file:
        return read_po(po_file)


def ids(message):
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def strings(message):
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def messages(catalog):
    return [message for message in catalog if message.id]


def makefile_extract_args():
    """The arguments `make messages` gives `pybabel extract`, read from the Makefile itself."""
    recipe, in_target = [], False
    for line in (ROOT / "Makefile").read_text().splitlines():
        if re.match(r"messages\s*:", line):
            in_target = True
        elif in_target and line.startswith("\t"):
            recipe.append(line)
        elif in_target and recipe:
            break
    for command in "\n".join(recipe).replace("\\\n", " ").splitlines():
        words = shlex.split(command)
        for index, word in enumerate(words[:-1]):
            if word.endswith("pybabel") and words[index + 1] == "extract":
                return words[index + 2 :]
    pytest.fail("Could not find the `pybabel extract` command of `make messages` in the Makefile")


def extract(tmp_path, mapping=None):
    """Run `make messages`'s extraction into a temporary template; return its msgids."""
    args = list(makefile_extract_args())
    output = tmp_path / "extracted.pot"
    for flag, value in (("-o", output), ("-F", mapping)):
        if value is not None:
            assert flag in args, f"`make messages` no longer passes {flag} to pybabel extract"
            args[args.index(flag) + 1] = str(value)
    run = subprocess.run([*PYBABEL, "extract", *args], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return {message.id for message in messages(load(output))}


def untranslated(catalog, wanted_ids):
    found = {message.id: message for message in messages(catalog)}
    problems = []
    for msgid in sorted(wanted_ids, key=str):
        message = found.get(msgid)
        if message is None:
            problems.append(f"missing: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        else:
            translations = strings(message)
            forms = 1 if isinstance(msgid, str) else catalog.num_plurals
            if len(translations) != forms or not all(text.strip() for text in translations):
                problems.append(f"untranslated: {msgid!r}")
    return problems


def test_there_is_a_welsh_catalogue():
    assert TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po" in CATALOGUES


def test_template_is_up_to_date_with_the_code(tmp_path):
    committed = {message.id for message in messages(load(TEMPLATE))}

    extracted = extract(tmp_path)

    assert extracted == committed, (
        "translations/messages.pot is out of date: run `make messages` and translate what is new."
        f"\nNot in messages.pot: {sorted(extracted - committed, key=str)}"
        f"\nNo longer in the code: {sorted(committed - extracted, key=str)}"
    )


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_message_is_translated(po_path):
    catalog = load(po_path)
    wanted = {message.id for message in messages(load(TEMPLATE))}

    assert untranslated(catalog, wanted) == []
    assert not catalog.fuzzy, f"Remove the `#, fuzzy` flag from the header of {po_path}"
    assert [m.id for m in messages(catalog) if m.fuzzy] == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_every_string_in_every_template_is_translated(po_path, tmp_path):
    # Extracted with a mapping that does not depend on babel.cfg's patterns, so a template
    # that `make messages` silently skips still has to be translated.
    mapping = tmp_path / "all-files.cfg"
    mapping.write_text("[python: **.py]\n[jinja2: **.html]\n")

    everything = extract(tmp_path, mapping)

    assert untranslated(load(po_path), everything) == [], (
        "Some strings in the code or templates are not translated. If `make messages` did not "
        "pick them up, check that babel.cfg's patterns match every template directory."
    )


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.parent.parent.name)
def test_translations_keep_placeholders_and_markup(po_path):
    problems = []
    for message in messages(load(po_path)):
        placeholders = {name for msgid in ids(message) for name in PLACEHOLDER.findall(msgid)}
        tags = sorted(HTML_TAG.findall(ids(message)[0]))
        for translation in filter(None, strings(message)):
            if set(PLACEHOLDER.findall(translation)) != placeholders:
                problems.append(f"placeholders differ: {message.id!r} -> {translation!r}")
            elif placeholders:
                try:
                    translation % dict.fromkeys(placeholders, 1)
                except (KeyError, TypeError, ValueError) as error:
                    problems.append(f"cannot be formatted ({error}): {translation!r}")
            if sorted(HTML_TAG.findall(translation)) != tags:
                problems.append(f"HTML differs: {message.id!r} -> {translation!r}")

    assert problems == []
