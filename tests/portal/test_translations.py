"""The Danish interface: complete, compiled, and with intact placeholders.

If a test here fails after interface texts changed, see the workflow in
portal/management/commands/compile_translations.py."""

import re
import shutil
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

LOCALE = Path(settings.LOCALE_PATHS[0])
DA = LOCALE / "da" / "LC_MESSAGES"
DANISH_CATALOGUES = [DA / "django.po", DA / "overrides.po"]

# %(name)s, %s, %d ... but not a lone "%" as in "yearly interest (%)".
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdif]")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def _entries(path):
    return [e for e in polib.pofile(str(path)) if not e.obsolete]


def _ids(entry):
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


def test_compiled_catalogues_are_up_to_date():
    call_command("compile_translations", check=True, stdout=StringIO())


@pytest.mark.parametrize("path", DANISH_CATALOGUES, ids=lambda p: p.name)
def test_every_danish_entry_is_translated_and_not_fuzzy(path):
    po = polib.pofile(str(path))
    assert po.metadata.get("Language") == "da"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert not po.metadata_is_fuzzy, "remove '#, fuzzy' from the header"
    assert [_ids(e) for e in po.fuzzy_entries()] == []
    assert [_ids(e) for e in po.untranslated_entries()] == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("path", DANISH_CATALOGUES, ids=lambda p: p.name)
def test_placeholders_and_markup_survive_translation(path):
    problems = []
    for entry in _entries(path):
        wanted_tags = sorted(HTML_TAG.findall(entry.msgid))
        if entry.msgid_plural:
            # A singular may leave the count out ("one new message"), as in English.
            sources = [entry.msgid] + [entry.msgid_plural] * (len(entry.msgstr_plural) - 1)
            translations = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
        else:
            sources, translations = [entry.msgid], [entry.msgstr]
        for source, text in zip(sources, translations):
            if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {_ids(entry)} -> {text!r}")
            if sorted(HTML_TAG.findall(text)) != wanted_tags:
                problems.append(f"HTML tags differ: {_ids(entry)} -> {text!r}")
    assert problems == []


def test_english_catalogue_exists_and_keeps_source_texts():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 0
    assert [_ids(e) for e in po.translated_entries()] == []


@pytest.mark.parametrize(
    ("english", "danish"),
    [
        ("Skip to content", "Gå til indhold"),  # our templates
        ("Log in", "Log ind"),
        ("Micro-loans for new businesses", "Mikrolån til nye virksomheder"),
        ("Accessibility statement", "Tilgængelighedserklæring"),
        ("Sign In", "Log ind"),  # allauth's catalogue
        ("Forgot your password?", "Har du glemt din adgangskode?"),  # our overrides.po
        ("This password is too common.", "Denne adgangskode er for almindelig."),  # Django's catalogue
    ],
)
def test_interface_speaks_danish_by_default_and_english_on_request(english, danish):
    template = Template("{% load i18n %}{% translate text %}")
    with translation.override("da"):
        assert translation.gettext(english) == danish
        assert template.render(Context({"text": english})) == danish
    with translation.override("en"):
        assert translation.gettext(english) == english
        assert template.render(Context({"text": english})) == english


def test_danish_plurals_and_placeholders_render():
    template = Template(
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} result"
        "{% plural %}{{ counter }} results{% endblocktranslate %}"
    )
    with translation.override("da"):
        assert template.render(Context({"n": 1})) == "1 resultat"
        assert template.render(Context({"n": 3})) == "3 resultater"
        page = translation.gettext("Page %(number)s of %(total)s") % {"number": 2, "total": 5}
        assert page == "Side 2 af 5"
    with translation.override("en"):
        assert template.render(Context({"n": 3})) == "3 results"


def test_check_fails_when_a_compiled_file_is_missing_or_stale(tmp_path):
    shutil.copytree(LOCALE, tmp_path / "locale")
    da = tmp_path / "locale" / "da" / "LC_MESSAGES"
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("compile_translations", check=True, stdout=StringIO())

        po = polib.pofile(str(da / "django.po"))
        po.find("Skip to content").msgstr = "Spring til indholdet"
        po.save()
        with pytest.raises(CommandError, match="out of date"):
            call_command("compile_translations", check=True, stdout=StringIO())

        call_command("compile_translations", stdout=StringIO())
        call_command("compile_translations", check=True, stdout=StringIO())
        assert polib.mofile(str(da / "django.mo")).find("Skip to content").msgstr == "Spring til indholdet"

        (da / "django.mo").unlink()
        with pytest.raises(CommandError, match="missing"):
            call_command("compile_translations", check=True, stdout=StringIO())


def test_compile_skips_fuzzy_entries_and_lets_overrides_win(tmp_path):
    shutil.copytree(LOCALE, tmp_path / "locale")
    da = tmp_path / "locale" / "da" / "LC_MESSAGES"
    po = polib.pofile(str(da / "django.po"))
    po.find("Log in").flags.append("fuzzy")
    po.save()
    overrides = polib.pofile(str(da / "overrides.po"))
    overrides.append(polib.POEntry(msgid="Skip to content", msgstr="Hop til indhold"))
    overrides.save()
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("compile_translations", stdout=StringIO())
    mo = polib.mofile(str(da / "django.mo"))
    assert mo.find("Log in") is None
    assert mo.find("Skip to content").msgstr == "Hop til indhold"
