"""De minimis state aid on the micro-loan (Commission Regulation (EU) 2023/2831).

An interest-free or cheap loan is aid: the business saves the interest a
market lender would charge. When the loan policy has de minimis on (the
default), recording the granted loan (``services.loans.grant_loan``) calls
``record_for_loan`` in the same transaction, which

1. refuses without the business's declaration of its other de minimis aid
   (given by the citizen on My page, ``declare_other_aid``);
2. computes the aid as the gross grant equivalent (GGE) on the loan's own
   repayment schedule (``gross_grant_equivalent``, formula below);
3. refuses when the aid plus the other de minimis aid in the three years
   up to the grant date exceeds the ceiling (EUR 300,000, art. 3(2));
4. records the grant for the register (``DeMinimisGrant``) and issues the
   grant letter with the de minimis statement (art. 6), naming the
   regulation and the aid in DKK and EUR.

The GGE (the reference-rate method of art. 4(3); the Commission's 2008
communication on reference and discount rates, OJ C 14, 19.1.2008, p. 6):

    reference rate r = EU base rate for Denmark + margin (4.00 points by default:
                       weak credit rating, no collateral)
    discount rate  d = EU base rate + 1.00 point
    t_0 = the grant date, t_k = the due date of instalment k (k = 1..n)
    B_k = principal still owed after instalment k by the schedule (B_0 = the loan)
    GGE = Σ_k  [ B_(k-1) · r · days(t_(k-1), t_k) / 365  −  interest_k ]
               / (1 + d) ^ (days(t_0, t_k) / 365)

that is: in each period of the schedule, the interest at the reference
rate on the principal still owed (simple interest, actual/365) minus the
interest the loan actually charges for it, paid at the period's end and
discounted to the grant date at the discount rate with annual
compounding. The loan is taken as paid out in full on the grant date (the
largest aid the decision can give). A GGE below 0 (a loan dearer than the
reference rate) is 0. EUR = DKK / the policy's EUR/DKK rate. Rounded to
the øre and the cent, half up, once at the end.

The three years (art. 3(2) of 2023/2831: "any period of three years"): the
aid granted from the same date three years before the grant date,
exclusive, up to and including the grant date. This is the rolling rule of
the 2023 regulation, stricter than the old "this fiscal year and the two
before" of Regulation 1407/2013, because it always covers three full years.
It counts the declared aid and the aid this installation has recorded for
the same CVR number on other cases."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from ..models import (
    Business, Case, DeclaredAid, DeMinimisDeclaration, DeMinimisGrant, Loan, LoanPolicy,
)
from ..models.de_minimis import REGULATION
from ..selectors import HIDDEN_STATUSES
from . import digital_post, letters, notifications, transitions
from .citizen import CitizenActionRefused
from .transitions import TransitionError

S = Case.Status

DECLARED_ACTION = "backoffice.case.de_minimis_declared"
GRANTED_ACTION = "backoffice.case.de_minimis_granted"
DE_MINIMIS_ACTIONS = (DECLARED_ACTION, GRANTED_ACTION)

DISCOUNT_MARGIN = Decimal("1.00")  # percentage points over the base rate (2008 communication)
DAYS_IN_YEAR = Decimal(365)
WINDOW_YEARS = 3
MAX_DECLARED_AIDS = 20
GRANTOR_MAX_LENGTH = 200

# The citizen declares while the loan is being decided and until it is recorded.
DECLARATION_STATUSES = frozenset({S.COURSE_COMPLETED, S.LOAN_CONSULTATION, S.LOAN_DECLINED, S.LOAN_GRANTED,
                                  S.BUSINESS_SETUP})


class DeMinimisRefused(TransitionError):
    """The aid cannot be granted; ``message`` says why, for staff."""

    def __init__(self, message, code=""):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- The computation ------------------------------------------------------------------------------


def _half_up(value):
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def gross_grant_equivalent(principal_ore, granted_on, instalments, *, reference_rate, discount_rate):
    """The GGE in øre (an int, ≥ 0) of a loan of ``principal_ore`` granted
    on ``granted_on`` and repaid by ``instalments``: ``(due_on,
    principal_ore, interest_ore)`` in date order. Rates in percent per year.
    The formula is in the module docstring."""
    r = Decimal(reference_rate) / 100
    d = Decimal(discount_rate) / 100
    with localcontext() as context:
        context.prec = 34
        owed, previous, total = Decimal(principal_ore), granted_on, Decimal(0)
        for due_on, principal, interest in instalments:
            if due_on < previous:
                raise ValueError("Instalments must be in date order, after the grant")
            saving = owed * r * Decimal((due_on - previous).days) / DAYS_IN_YEAR - Decimal(interest)
            years = Decimal((due_on - granted_on).days) / DAYS_IN_YEAR
            total += saving / (1 + d) ** years
            owed -= Decimal(principal)
            previous = due_on
        return max(_half_up(total), 0)


def ore_to_eur_cents(ore, eur_dkk_rate):
    """DKK øre → EUR cents at ``eur_dkk_rate`` DKK per EUR, half up."""
    return _half_up(Decimal(ore) / Decimal(eur_dkk_rate))


def window_start(granted_on):
    """The first day of the three years that end on ``granted_on``."""
    try:
        start = granted_on.replace(year=granted_on.year - WINDOW_YEARS)
    except ValueError:  # 29 February
        start = granted_on.replace(year=granted_on.year - WINDOW_YEARS, day=28)
    return start + dt.timedelta(days=1)


def discount_rate(policy):
    return Decimal(policy.eu_base_rate) + DISCOUNT_MARGIN


def reference_rate(policy):
    return Decimal(policy.eu_base_rate) + Decimal(policy.de_minimis_margin)


# --- Reads ----------------------------------------------------------------------------------------


def is_enabled(municipality_id):
    return LoanPolicy.objects.filter(municipality_id=municipality_id, de_minimis_enabled=True).exists()


def declaration_for(case):
    return DeMinimisDeclaration.objects.filter(case=case).prefetch_related("aids").first()


def may_declare(case):
    """The citizen may (still) give or change the declaration."""
    return case.status in DECLARATION_STATUSES and not Loan.objects.filter(case=case).exists()


def other_aid_eur_cents(case, cvr_number, granted_on):
    """The other de minimis aid in the three years up to ``granted_on``:
    what the business declared, and what this installation recorded for the
    same CVR number on other cases."""
    start = window_start(granted_on)
    declared = DeclaredAid.objects.filter(
        declaration__case=case, granted_on__gte=start, granted_on__lte=granted_on,
    ).aggregate(total=Sum("amount_eur_cents"))["total"] or 0
    recorded = 0
    if cvr_number:
        recorded = DeMinimisGrant.objects.filter(
            cvr_number=cvr_number, granted_on__gte=start, granted_on__lte=granted_on,
        ).exclude(case=case).aggregate(total=Sum("aid_eur_cents"))["total"] or 0
    return declared + recorded


def grants_in_period(municipality, start, end):
    """The register: the municipality's de minimis grants from ``start`` to ``end``."""
    return (DeMinimisGrant.objects.filter(municipality=municipality, granted_on__gte=start, granted_on__lte=end)
            .select_related("case", "case__business", "loan").order_by("granted_on", "pk"))


# --- The citizen's declaration --------------------------------------------------------------------


def declare_other_aid(case, citizen_user, *, no_other_aid, aids, now=None):
    """Store the business's declaration from My page: ``no_other_aid``, or
    ``aids`` as ``(grantor, granted_on, amount_eur_cents)``. A new
    declaration replaces the earlier one until the loan is recorded.
    Raises ``CitizenActionRefused`` (for the citizen) and ``PermissionError``
    for anybody but the case's citizen."""
    now = now or timezone.now()
    aids = [(str(grantor or "").strip(), day, amount) for grantor, day, amount in aids]
    if no_other_aid and aids:
        raise CitizenActionRefused(_("Either list the aid or tick that there is none, not both."),
                                   code="both")
    if not no_other_aid and not aids:
        raise CitizenActionRefused(_("List the de minimis aid, or tick that there is none."), code="empty")
    if len(aids) > MAX_DECLARED_AIDS:
        raise CitizenActionRefused(_("You can list at most %(count)s grants.") % {"count": MAX_DECLARED_AIDS},
                                   code="too_many")
    for grantor, day, amount in aids:
        if not grantor or len(grantor) > GRANTOR_MAX_LENGTH:
            raise CitizenActionRefused(_("Write who granted the aid."), code="grantor")
        if day is None or day > timezone.localdate(now):
            raise CitizenActionRefused(_("The date of a grant cannot be in the future."), code="date")
        if not isinstance(amount, int) or amount <= 0:
            raise CitizenActionRefused(_("The amount must be more than 0 euro."), code="amount")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if (citizen_user is None or not citizen_user.is_authenticated or locked.citizen_id != citizen_user.pk
                or locked.status in HIDDEN_STATUSES):
            raise PermissionError("Not the citizen's case")
        if not may_declare(locked):
            raise CitizenActionRefused(_("The declaration can no longer be changed: the loan has been "
                                         "recorded, or the case is not at the loan decision."), code="closed")
        declaration, _created = DeMinimisDeclaration.objects.update_or_create(
            case=locked, defaults={"no_other_aid": bool(no_other_aid), "declared_at": now,
                                   "declared_by": citizen_user})
        declaration.aids.all().delete()
        DeclaredAid.objects.bulk_create([
            DeclaredAid(declaration=declaration, grantor=grantor, granted_on=day, amount_eur_cents=amount)
            for grantor, day, amount in aids])
        transitions.bump_version(locked)
        case.version = locked.version
        log(instance=case, action=DECLARED_ACTION, user=citizen_user, data={
            "reference": locked.reference, "declaration": declaration.pk, "grants": len(aids),
            "total_eur_cents": sum(amount for _g, _d, amount in aids),
        })
        notifications.notify_staff(case, notifications.STAFF_BUSINESS)
    return declaration


# --- At the grant ---------------------------------------------------------------------------------


def _eur(cents):
    whole, rest = divmod(int(cents), 100)
    return f"{whole:,}".replace(",", ".") + f",{rest:02d}"


def record_for_loan(case, loan, *, user, policy):
    """Check and record the de minimis aid of the loan just created with its
    schedule, inside ``grant_loan``'s transaction (a refusal rolls the loan
    back). Returns the ``DeMinimisGrant``, or None when de minimis is off."""
    if policy is None or not policy.de_minimis_enabled:
        return None
    if not DeMinimisDeclaration.objects.filter(case=case).exists():
        raise DeMinimisRefused(_(
            "The business has not declared its other de minimis aid of the last three years. Ask the citizen "
            "to fill in the declaration on My page before the loan is recorded."), code="declaration_required")
    if policy.eu_base_rate is None or policy.eu_base_rate_set_on is None:
        raise DeMinimisRefused(_(
            "Set the EU base rate for Denmark and the date it applies from in the loan policy: the de minimis "
            "aid is computed from it."), code="base_rate_required")
    schedule = list(loan.instalments.order_by("due_on").values_list("due_on", "principal_ore", "interest_ore"))
    aid_ore = gross_grant_equivalent(loan.principal_ore, loan.granted_on, schedule,
                                     reference_rate=reference_rate(policy), discount_rate=discount_rate(policy))
    aid_eur_cents = ore_to_eur_cents(aid_ore, policy.eur_dkk_rate)
    business = Business.objects.filter(case=case).first()
    cvr = business.cvr_number if business else ""
    other = other_aid_eur_cents(case, cvr, loan.granted_on)
    ceiling_cents = policy.de_minimis_ceiling_eur * 100
    if other + aid_eur_cents > ceiling_cents:
        raise DeMinimisRefused(_(
            "The loan cannot be granted as de minimis aid: its aid of EUR %(aid)s and the business's other de "
            "minimis aid of EUR %(other)s in the three years up to %(date)s add up to more than the ceiling "
            "of EUR %(ceiling)s (Regulation (EU) 2023/2831, article 3(2)). A smaller loan or a shorter "
            "repayment period gives less aid.") % {
                "aid": _eur(aid_eur_cents), "other": _eur(other), "ceiling": _eur(ceiling_cents),
                "date": formats.date_format(loan.granted_on, "DATE_FORMAT")}, code="ceiling")
    grant = DeMinimisGrant.objects.create(
        municipality_id=case.municipality_id, case=case, loan=loan, decision=loan.decision, cvr_number=cvr,
        business_name=business.name if business else "", granted_on=loan.granted_on, regulation=REGULATION,
        loan_principal_ore=loan.principal_ore, aid_ore=aid_ore, aid_eur_cents=aid_eur_cents,
        other_aid_eur_cents=other, base_rate=policy.eu_base_rate, base_rate_set_on=policy.eu_base_rate_set_on,
        margin=policy.de_minimis_margin, discount_rate=discount_rate(policy), eur_dkk_rate=policy.eur_dkk_rate,
        ceiling_eur=policy.de_minimis_ceiling_eur, created_by=user,
    )
    _issue_letter(case, grant, user)
    log(instance=case, action=GRANTED_ACTION, user=user, data={
        "reference": case.reference, "grant": grant.pk, "loan": loan.pk, "aid_ore": aid_ore,
        "aid_eur_cents": aid_eur_cents, "other_aid_eur_cents": other, "letter": grant.letter_id,
    })
    return grant


def _issue_letter(case, grant, user):
    """The grant letter: the loan decision's letter with the loan's terms and
    the de minimis statement, which need the amount recorded after the
    decision. Stored for My page and sent by Digital Post."""
    decision = grant.decision
    decision.case = case
    pdf = letters.decision_letter_pdf(decision, de_minimis=grant)
    letter = letters.store_letter(case, pdf, filename=f"bevilling-{case.reference}.pdf", user=user)
    digital_post.queue_letter(case, letter, kind=digital_post.DECISION, decision=decision)
    grant.letter = letter
    grant.save(update_fields=["letter"])
    notifications.notify_citizen(case, notifications.CITIZEN_LETTER)
