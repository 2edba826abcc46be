"""Compile the project's translations (.po -> .mo) with polib; no GNU gettext needed.

For every ``<LOCALE_PATH>/<lang>/LC_MESSAGES/django.po`` this writes ``django.mo``
next to it. If ``overrides.po`` exists in the same folder, its entries are merged
into ``django.mo`` AFTER ``django.po`` (they win on a clash). Fuzzy, obsolete and
untranslated entries are left out, as msgfmt does.

overrides.po holds texts that are not in our own sources, mainly allauth texts
that allauth's Danish catalogue lacks or words badly. makemessages would drop
them from django.po on the next run, so they live in a file it never touches.

Workflow after changing interface texts (``make messages`` runs makemessages + compile):

    python manage.py makemessages -l da -l en --ignore=.venv --ignore=bench \\
        --ignore=tests --ignore=node_modules
    # translate new and fuzzy entries in locale/da/LC_MESSAGES/django.po (keep
    # %(name)s placeholders, delete the "#, fuzzy" line); leave locale/en empty
    python manage.py compile_translations
    python manage.py compile_translations --check   # exit 0 = .mo files up to date

Commit the .po and the .mo files; tests/portal/test_translations.py checks them.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DOMAIN = "django"
OVERRIDES = "overrides"
# Header fields that change how texts are read; dates etc. are ignored by --check.
CHECKED_METADATA = ("Language", "Content-Type", "Plural-Forms")


def _wanted(entry):
    if getattr(entry, "obsolete", False) or getattr(entry, "fuzzy", False):
        return False
    if entry.msgid_plural:
        return any(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _key(entry):
    return (entry.msgctxt or "", entry.msgid)


def build_catalogue(po_path):
    """The .mo file (as a polib.MOFile) that ``po_path`` (plus overrides.po) compiles to."""
    po = polib.pofile(str(po_path), wrapwidth=0)
    entries = {}
    sources = [po]
    overrides_path = po_path.with_name(f"{OVERRIDES}.po")
    if overrides_path.exists():
        sources.append(polib.pofile(str(overrides_path), wrapwidth=0))
    for source in sources:
        for entry in source:
            if _wanted(entry):
                entries[_key(entry)] = entry
    mo = polib.MOFile(wrapwidth=0)
    mo.metadata = dict(po.metadata)
    for entry in entries.values():
        mo.append(
            polib.MOEntry(
                msgctxt=entry.msgctxt,
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural,
                msgstr=entry.msgstr,
                msgstr_plural=dict(entry.msgstr_plural),
            )
        )
    return mo


def _as_dict(catalogue):
    """Comparable content of a .po/.mo: the header fields that matter plus every translated entry."""
    result = {}
    for entry in catalogue:
        if not _wanted(entry):
            continue
        if entry.msgid_plural:
            value = (entry.msgid_plural, tuple(sorted((int(k), v) for k, v in entry.msgstr_plural.items())))
        else:
            value = entry.msgstr
        result[_key(entry)] = value
    metadata = {name: catalogue.metadata.get(name, "") for name in CHECKED_METADATA}
    return {"metadata": metadata, "entries": result}


def find_po_files():
    files = []
    for locale_path in settings.LOCALE_PATHS:
        files.extend(sorted(Path(locale_path).glob(f"*/LC_MESSAGES/{DOMAIN}.po")))
    return files


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po (+ overrides.po) into django.mo using polib."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if a django.mo is missing or out of date.",
        )

    def handle(self, *args, check=False, **options):
        po_files = find_po_files()
        if not po_files:
            raise CommandError(f"No {DOMAIN}.po files found under LOCALE_PATHS.")
        problems = []
        for po_path in po_files:
            mo_path = po_path.with_suffix(".mo")
            expected = build_catalogue(po_path)
            if check:
                if not mo_path.exists():
                    problems.append(f"{mo_path} is missing")
                elif _as_dict(polib.mofile(str(mo_path))) != _as_dict(expected):
                    problems.append(f"{mo_path} is out of date with its .po file(s)")
                else:
                    self.stdout.write(f"{mo_path}: up to date ({len(expected)} messages)")
                continue
            expected.save(str(mo_path))
            self.stdout.write(f"Compiled {po_path} -> {mo_path.name} ({len(expected)} messages)")
        if problems:
            raise CommandError(
                "Translations are not compiled:\n  "
                + "\n  ".join(problems)
                + "\nRun: python manage.py compile_translations"
            )
