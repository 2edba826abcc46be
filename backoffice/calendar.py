"""Calendar files (.ics, RFC 5545) for screening talks.

Written by hand because one event needs only a few lines; the rules that
matter are kept here and tested: CRLF line ends, lines folded at 75 octets
without splitting a UTF-8 character, TEXT values escaped, times in UTC so no
time zone definition is needed.

The file is something the citizen puts in their own calendar, which may be
synchronised to anywhere: it carries the municipality, the time, the place
or video link, the case number and a link to My page, nothing more. No
names, no CPR number, no outcome notes.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
PRODID = "-//Mikrolån//Samtaler//DA"


def escape_text(value):
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line
    breaks escaped; other control characters dropped."""
    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 32 and ord(ch) != 127)


def fold(line):
    """Split a content line into pieces of at most 75 octets; every piece
    after the first starts with one space (RFC 5545 3.1). Never splits a
    multi-byte UTF-8 character."""
    pieces, current, size, limit = [], [], 0, MAX_LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1  # room for the leading space
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def format_utc(value):
    """A DATE-TIME in UTC form: 20260310T080000Z."""
    if timezone.is_naive(value):
        raise ValueError("Calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value):
    # URI values are not escaped, but must never break the line structure.
    return "".join(ch for ch in str(value) if ord(ch) > 32 and ord(ch) != 127)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0


def render_calendar(events, *, now=None):
    """The VCALENDAR (METHOD:PUBLISH) with ``events``, as UTF-8 bytes."""
    stamp = format_utc(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{escape_text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{stamp}",
            f"SEQUENCE:{int(event.sequence)}",
            f"DTSTART:{format_utc(event.starts_at)}",
            f"DTEND:{format_utc(event.ends_at)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{_uri(event.url)}")
        lines += [
            "STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines).encode("utf-8")


# --- Screening talks ----------------------------------------------------------------------------


def talk_uid(talk):
    """Stable for the talk's whole life, so a calendar that imports the
    file again updates (or cancels) the event instead of adding a second."""
    hostname = talk.case.municipality.site.hostname or "mikrolaan.invalid"
    return f"screening-talk-{talk.pk}@{hostname}"


def talk_event(talk, *, my_page_url="", sequence=0):
    """The talk as a calendar event, in the active language."""
    municipality = talk.case.municipality.name
    summary = _("Talk about a micro-loan – %(municipality)s") % {"municipality": municipality}
    description = [
        _("Talk about your application for a micro-loan, case %(reference)s.") % {
            "reference": talk.case.reference},
    ]
    if talk.video_url:
        description.append(_("Video meeting: %(url)s") % {"url": talk.video_url})
    if talk.cancelled_at:
        description.insert(0, _("The talk has been cancelled."))
    if my_page_url:
        description.append(_("See your case on My page: %(url)s") % {"url": my_page_url})
    return CalendarEvent(
        uid=talk_uid(talk),
        starts_at=talk.starts_at,
        ends_at=talk.ends_at,
        summary=summary,
        location=talk.location or talk.video_url,
        description="\n".join(str(line) for line in description),
        url=talk.video_url or my_page_url,
        cancelled=bool(talk.cancelled_at),
        sequence=sequence,
    )


def talk_ics(talk, *, my_page_url="", sequence=0, now=None):
    """The .ics file for one talk (bytes). ``talk`` with ``case__municipality__site``
    selected; ``sequence``: how many times it was changed (``services.talks.talk_sequence``)."""
    return render_calendar([talk_event(talk, my_page_url=my_page_url, sequence=sequence)], now=now)


def talk_filename(talk):
    return f"samtale-{talk.case.reference or talk.case.pk}-{talk.pk}.ics"


def talk_ics_response(talk, *, my_page_url=""):
    """The talk's calendar file as a download: UTF-8, never cached. The
    same file for the citizen (My page) and for staff."""
    from django.http import HttpResponse

    from .services.talks import talk_sequence

    body = talk_ics(talk, my_page_url=my_page_url, sequence=talk_sequence(talk))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{talk_filename(talk)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
