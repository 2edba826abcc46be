"""The standard texts a new municipality starts with for each kind of
decision: legal basis, appeal body and appeal guidance, in Danish, as the
letters print them.

The coordinator edits them per municipality in the admin (``views.
decision_templates``); ``ensure_decision_templates`` only fills in what is
missing, so an edited text is never overwritten. A decision copies the texts
when it is drafted, so a later edit never changes a decision already sent.

The scheme runs as the municipality's trial with micro-loans for unemployed
citizens who start their own business (a free-municipality trial approved by
the minister, see shared/DOMAIN.md), alongside the act on an active
employment effort. The texts name the acts but no section numbers: the
municipality's lawyers add those for their own trial.

Two placeholders are filled in when a decision is drafted, so the deadline
and the appeal body are written in one place each: ``{deadline_weeks}`` and
``{appeal_body}``.
"""

import re

from django.db import transaction

from .models import DecisionKind, DecisionTemplate

K = DecisionKind

PLACEHOLDERS = ("{appeal_body}", "{deadline_weeks}")
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")

DEFAULT_APPEAL_BODY = "Ankestyrelsen"
# Where an upheld complaint is forwarded (services.appeals); the coordinator
# changes it in the template where the scheme's legal basis gives another route.
DEFAULT_APPEAL_BODY_ADDRESS = "Teglholmsgade 3\n2450 København SV"
DEFAULT_APPEAL_BODY_EMAIL = "ast@ast.dk"
DEFAULT_DEADLINE_WEEKS = 4

_TRIAL = (
    "kommunens forsøg med mikrolån til ledige, der vil starte egen virksomhed. Forsøget er et "
    "frikommuneforsøg, som ministeren har godkendt"
)

_CRITERIA = (
    "Vi vurderer ansøgningen ud fra forsøgets fem kriterier:\n"
    "1. dine faglige og forretningsmæssige kompetencer,\n"
    "2. om du har en realistisk forretningsplan, der kan gøre dig selvforsørgende,\n"
    "3. indtjeningsgrundlaget: kunder og salgskanaler,\n"
    "4. om dit helbred kan bære, at du driver en virksomhed,\n"
    "5. om din familie bakker op om idéen."
)

_LOAN_TERMS = (
    "Lånets størrelse, renten, den afdragsfri periode og tilbagebetalingstiden følger de lånevilkår, "
    "som kommunens politiske udvalg har fastsat."
)

APPEAL_GUIDANCE = (
    "Hvis du er uenig i afgørelsen, kan du klage. Din klage skal være modtaget hos os senest "
    "{deadline_weeks} uger efter den dag, du har fået afgørelsen.\n\n"
    "Du kan klage skriftligt ved at skrive til os på Min side under din sag eller sende os et brev. Du kan "
    "også ringe til os eller komme forbi og klage mundtligt. Fortæl, hvilken afgørelse du klager over, og "
    "hvorfor du er uenig. Du kan få hjælp til at klage hos din sagsbehandler.\n\n"
    "Når vi har fået din klage, ser vi på afgørelsen igen. Hvis vi ikke giver dig helt ret, sender vi din "
    "klage videre til {appeal_body} sammen med sagens dokumenter, og du får besked om det.\n\n"
    "Du har ret til at se dokumenterne i din sag (aktindsigt). Mange af dem kan du se på Min side. Skriv "
    "til os, hvis du vil se resten."
)

DEFAULT_LEGAL_BASIS = {
    K.ADMIT_TO_COURSE: (
        f"Afgørelsen er truffet efter lov om en aktiv beskæftigelsesindsats og de regler, der gælder for "
        f"{_TRIAL}.\n\n{_CRITERIA}"
    ),
    K.REFER_TO_ORDINARY_EFFORT: (
        f"Afgørelsen er truffet efter lov om en aktiv beskæftigelsesindsats og de regler, der gælder for "
        f"{_TRIAL}.\n\n{_CRITERIA}\n\n"
        "Når du ikke bliver optaget på forløbet, fortsætter du i den almindelige beskæftigelsesindsats "
        "efter lov om en aktiv beskæftigelsesindsats. Din sagsbehandler i jobcentret hjælper dig videre."
    ),
    K.GRANT_LOAN: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}.\n\n{_LOAN_TERMS}\n\n"
        "Vi vurderer, om forretningsplanen og budgettet giver et realistisk grundlag for, at virksomheden "
        "kan gøre dig selvforsørgende. Lånet bliver kun udbetalt til en erhvervskonto i virksomhedens navn."
    ),
    K.DECLINE_LOAN: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}.\n\n{_LOAN_TERMS}\n\n"
        "Vi vurderer, om forretningsplanen og budgettet giver et realistisk grundlag for, at virksomheden "
        "kan gøre dig selvforsørgende."
    ),
    K.GRANT_ALLOWANCE: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}.\n\n"
        "Tilskud til forsørgelse kan gives i de første måneder efter, at du har startet din virksomhed, i "
        "det antal måneder, som kommunens politiske udvalg har fastsat."
    ),
    K.DECLINE_ALLOWANCE: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}.\n\n"
        "Tilskud til forsørgelse kan gives i de første måneder efter, at du har startet din virksomhed, i "
        "det antal måneder, som kommunens politiske udvalg har fastsat."
    ),
    K.WRITE_OFF_LOAN: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}, og efter de lånevilkår, som "
        "kommunens politiske udvalg har fastsat."
    ),
    K.DEFER_LOAN: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}, og efter de lånevilkår, som "
        "kommunens politiske udvalg har fastsat. Henstand betyder, at afdragene udskydes til den dato, der "
        "står i afgørelsen. Du modtager ikke rykkere i henstandsperioden."
    ),
    K.RESCHEDULE_LOAN: (
        f"Afgørelsen er truffet efter de regler, der gælder for {_TRIAL}, og efter de lånevilkår, som "
        "kommunens politiske udvalg har fastsat. Den nye afdragsordning erstatter de afdrag, du endnu ikke "
        "har betalt; det beløb, du skylder, er det samme."
    ),
}


def default_texts(kind):
    """The standard texts for one kind, as ``DecisionTemplate`` field values."""
    return {
        "legal_basis": DEFAULT_LEGAL_BASIS[DecisionKind(kind)],
        "appeal_body": DEFAULT_APPEAL_BODY,
        "appeal_guidance": APPEAL_GUIDANCE,
        "appeal_deadline_weeks": DEFAULT_DEADLINE_WEEKS,
        "appeal_body_address": DEFAULT_APPEAL_BODY_ADDRESS,
        "appeal_body_email": DEFAULT_APPEAL_BODY_EMAIL,
    }


@transaction.atomic
def ensure_decision_templates(municipality):
    """Give ``municipality`` a template for every kind of decision it lacks.
    Safe to run any number of times; existing (maybe edited) templates are
    left as they are. Returns the municipality's templates by kind."""
    existing = {t.kind: t for t in DecisionTemplate.objects.filter(municipality=municipality)}
    for kind in DecisionKind:
        if kind.value not in existing:
            existing[kind.value], _created = DecisionTemplate.objects.get_or_create(
                municipality=municipality, kind=kind.value, defaults=default_texts(kind)
            )
    return existing


def unknown_placeholders(text):
    """Placeholders in ``text`` that are not filled in (a typo such as
    ``{deadline}``), so the admin can refuse them before a letter prints one."""
    return sorted({p for p in _PLACEHOLDER.findall(text or "") if p not in PLACEHOLDERS})


def fill_placeholders(text, template):
    """``text`` with the template's appeal body and deadline written in."""
    return (
        (text or "")
        .replace("{appeal_body}", template.appeal_body or DEFAULT_APPEAL_BODY)
        .replace("{deadline_weeks}", str(template.appeal_deadline_weeks))
    )
