"""Reading KLE data: the shipped JSON, or os2kle's own ``OS2KLE.txt``.

os2kle (github.com/os2kle/os2kle, MPL 2.0) publishes the subjects
("emner", three levels: 24.10.07) with their titles, not the main groups
(24) and groups (24.10) as entries of their own. Their titles are the
general subject's title without "i almindelighed": 24.10.00 "Erhvervsfremme
i almindelighed" names group 24.10 "Erhvervsfremme". os2kle does not carry
the action facets (handlingsfacetter) either; the few the scheme uses are
listed in ``FACETS``."""

import json
import re
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "kle.json"
SOURCE_URL = "https://raw.githubusercontent.com/os2kle/os2kle/master/OS2KLE.txt"

MAIN_GROUP, GROUP, SUBJECT = "main_group", "group", "subject"
SUBJECT_NUMBER = re.compile(r"^\d\d\.\d\d\.\d\d$")
FACET_CODE = re.compile(r"^[A-Z]\d\d$")
# KLE's action facets the scheme's cases use. G01 is what the letters have
# always carried (digital_post.memo); a municipality using another facet
# types it, and it is checked for KLE's form (letter + two digits).
FACETS = {"G01": "Generelle sager"}

_OS2KLE_LINE = re.compile(r"^KLENummer='(?P<number>[\d.]+)':KLETitel='(?P<title>.*?)':Keywords")
_GENERAL = re.compile(r"\s+i almindelighed\b")


@dataclass(frozen=True)
class Entry:
    number: str
    title: str
    level: str

    def as_dict(self):
        return {"number": self.number, "title": self.title, "level": self.level}


def level_of(number):
    return {2: MAIN_GROUP, 5: GROUP, 8: SUBJECT}.get(len(number))


def parse(text):
    """Entries from either format, sorted by number. Raises ``ValueError``
    when the text holds no KLE subjects (a wrong file or an error page)."""
    if text.lstrip().startswith("{"):
        raw = json.loads(text)
        entries = [Entry(e["number"], e["title"], level_of(e["number"])) for e in raw["entries"]]
    else:
        entries = _from_os2kle(text)
    if not any(e.level == SUBJECT for e in entries):
        raise ValueError("No KLE subjects found in the data.")
    for entry in entries:
        if entry.level is None or not entry.title:
            raise ValueError(f"Not a KLE number or no title: {entry.number!r}")
    return sorted(entries, key=lambda e: e.number)


def _from_os2kle(text):
    subjects = {}
    for line in text.splitlines():
        match = _OS2KLE_LINE.match(line)
        if match and SUBJECT_NUMBER.match(match["number"]):
            subjects[match["number"]] = match["title"].strip()
    groups, mains = {}, {}
    for number, title in sorted(subjects.items()):
        general = _GENERAL.sub("", title).strip(" ,")
        group, main = number[:5], number[:2]
        if number.endswith(".00"):
            groups.setdefault(group, general)
            # The main group's general subject is XX.00.00; main group 00 has
            # none, so the first group's title stands in for it.
            if group.endswith(".00") or main not in mains:
                mains[main] = general if group.endswith(".00") else mains.get(main, general)
    entries = [Entry(n, t, SUBJECT) for n, t in subjects.items()]
    entries += [Entry(n, t, GROUP) for n, t in groups.items()]
    entries += [Entry(n, t, MAIN_GROUP) for n, t in mains.items()]
    return entries


def read_shipped():
    return parse(DATA_FILE.read_text(encoding="utf-8"))


def to_json(entries, *, source):
    """The shipped file's form: one entry a line, so a refresh diffs well."""
    lines = ",\n".join("    " + json.dumps(e.as_dict(), ensure_ascii=False) for e in entries)
    head = json.dumps(source, ensure_ascii=False, indent=2)[:-2]
    return f'{head},\n  "entries": [\n{lines}\n  ]\n}}\n'
