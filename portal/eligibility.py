"""Who the scheme is for: the rules behind the eligibility check ("Kan jeg søge?").

``assess`` is a pure function: it reads its arguments only (no database, no
request), so every rule is unit-tested on its own. The texts it returns are
in the active language.

The rules, strictest first:

1. Lives elsewhere -> NOT_HERE: the scheme on this site is for residents of
   this municipality; apply where you live.
2. Not willing to take the ~6-month course -> NOT_ELIGIBLE: the course is the
   core of the scheme, the loan comes only with it.
3. No business idea yet -> TALK_FIRST: come to an information meeting or talk
   to us before applying.
4. "None of these / I don't know" as benefit -> TALK_FIRST.
5. Otherwise the target group's own eligibility decides (CAN_APPLY,
   TALK_FIRST or NOT_ELIGIBLE), with the group's guidance text as the reason.

The outcome is the strictest kind any rule gives. Its reasons are the ones
that lead to that kind (a "no" lists every reason for the no), so a citizen
is never told "you can apply" and "talk first" at the same time.
"""

from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext as _


class Kind(str, Enum):
    CAN_APPLY = "can_apply"
    TALK_FIRST = "talk_first"
    NOT_ELIGIBLE = "not_eligible"
    NOT_HERE = "not_here"

    @property
    def severity(self):
        return list(Kind).index(self)

    @property
    def is_no(self):
        """The scheme is not for this citizen (here or at all)."""
        return self in (Kind.NOT_ELIGIBLE, Kind.NOT_HERE)


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    reasons: tuple[str, ...]


def assess(target_group, has_idea, willing_course, lives_here, *, municipality_name=""):
    """Assess one set of answers.

    ``target_group`` is a TargetGroup (anything with ``eligibility``, ``name``
    and ``guidance``) or None for "None of these / I don't know"; the other
    answers are booleans."""
    place = municipality_name or _("the municipality")
    findings = []  # (kind, reason), in the order they are shown

    if lives_here and has_idea and willing_course:
        findings.append((Kind.CAN_APPLY, _(
            "You live in %(municipality)s, you have an idea for a business, "
            "and you are ready to take part in the course."
        ) % {"municipality": place}))
    if not lives_here:
        findings.append((Kind.NOT_HERE, _(
            "The scheme on this site is for people who live in %(municipality)s. "
            "Ask the jobcentre in the municipality where you live whether it has a similar scheme."
        ) % {"municipality": place}))
    if not willing_course:
        findings.append((Kind.NOT_ELIGIBLE, _(
            "The course of about six months is the core of the scheme. "
            "You can only get a loan if you take part in the course."
        )))
    if not has_idea:
        findings.append((Kind.TALK_FIRST, _(
            "You need an idea for a business before you apply. "
            "Come to an information meeting or talk to us. We can help you find out if the scheme is right for you."
        )))

    if target_group is None:
        findings.append((Kind.TALK_FIRST, _(
            "We do not know what you live on yet. Talk to your caseworker or to us, "
            "so that together we can find out whether the scheme fits your situation."
        )))
    else:
        kind = Kind(target_group.eligibility)
        findings.append((kind, target_group.guidance or _default_guidance(kind, target_group.name)))

    kind = max((k for k, _reason in findings), key=lambda k: k.severity)
    # A "no" explains itself with every reason for a no, whether "here" or at all.
    threshold = min(kind.severity, Kind.NOT_ELIGIBLE.severity)
    reasons = tuple(reason for k, reason in findings if k.severity >= threshold)
    return Outcome(kind=kind, reasons=reasons)


def _default_guidance(kind, group_name):
    """Used when staff left a target group's guidance text empty."""
    texts = {
        Kind.CAN_APPLY: _("The scheme fits your situation (%(group)s)."),
        Kind.TALK_FIRST: _("Talk to your caseworker before you apply. Together you can find out "
                           "whether the scheme fits your situation (%(group)s)."),
        Kind.NOT_ELIGIBLE: _("The scheme is not meant for your situation (%(group)s)."),
    }
    return texts[kind] % {"group": group_name}
