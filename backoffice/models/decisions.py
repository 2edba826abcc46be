"""Decisions (afgørelser) and the municipality's standard texts for them.

Danish administrative law: a decision that does not fully grant what was
applied for needs a written reason (FVL § 22) and appeal guidance (§ 25),
and the citizen may comment first on adverse facts (partshøring, § 19).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Replace, Trim
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case
from .municipality import Municipality


class DecisionKind(models.TextChoices):
    ADMIT_TO_COURSE = "admit_to_course", _("Admission to the course")
    REFER_TO_ORDINARY_EFFORT = "refer_to_ordinary_effort", _("Referral to the ordinary employment effort")
    GRANT_LOAN = "grant_loan", _("Micro-loan granted")
    DECLINE_LOAN = "decline_loan", _("Micro-loan declined")
    GRANT_ALLOWANCE = "grant_allowance", _("Subsistence allowance granted")
    DECLINE_ALLOWANCE = "decline_allowance", _("Subsistence allowance declined")
    WRITE_OFF_LOAN = "write_off_loan", _("Loan written off")
    DEFER_LOAN = "defer_loan", _("Deferral of loan repayments")
    RESCHEDULE_LOAN = "reschedule_loan", _("Rescheduling of loan repayments")


def _has_text(field):
    # Whitespace is not a reason. SQL TRIM only strips spaces, so newlines
    # and tabs are removed first; works the same on SQLite and PostgreSQL.
    text = models.F(field)
    for char in ("\n", "\r", "\t"):
        text = Replace(text, models.Value(char), models.Value(""))
    return GreaterThan(Length(Trim(text)), 0)


class DecisionTemplate(models.Model):
    """Standard legal basis and appeal guidance for one kind of decision.
    Decisions copy the texts, so editing a template never rewrites a
    decision already sent."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="decision_templates",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=DecisionKind.choices)
    legal_basis = models.TextField(_("legal basis"))
    appeal_body = models.CharField(_("appeal body"), max_length=200, blank=True)
    appeal_guidance = models.TextField(
        _("appeal guidance"), help_text=_("Where to appeal, how, and the deadline, as the letter says it.")
    )
    appeal_deadline_weeks = models.PositiveSmallIntegerField(_("appeal deadline (weeks)"), default=4)
    # Where an upheld complaint is forwarded (backoffice.models.appeals): the
    # route follows the scheme's legal basis, so it is set per municipality.
    appeal_body_address = models.TextField(_("appeal body's address"), blank=True)
    appeal_body_email = models.EmailField(_("appeal body's e-mail"), blank=True)
    reassessment_weeks = models.PositiveSmallIntegerField(_("reassessment period (weeks)"), default=4)

    class Meta:
        verbose_name = _("decision template")
        verbose_name_plural = _("decision templates")
        ordering = ["municipality", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind"], name="decision_template_one_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.municipality}"


class Decision(models.Model):
    """A decision on a case. Once final it is a legal act: a change is a new
    decision (e.g. after reconsideration), never an edit of the old one."""

    Kind = DecisionKind

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_CONSULTATION = "in_consultation", _("Awaiting the citizen's comments")
        FINAL = "final", _("Final")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=40, choices=DecisionKind.choices)
    template = models.ForeignKey(
        DecisionTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("template"),
    )
    # Default False: a decision must be marked fully granted on purpose,
    # otherwise the reason and appeal guidance are required.
    fully_granted = models.BooleanField(_("fully granted"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    appeal_guidance = models.TextField(_("appeal guidance"), blank=True)
    consultation_sent_at = models.DateTimeField(_("consultation sent"), null=True, blank=True)
    consultation_deadline = models.DateField(_("comments due by"), null=True, blank=True)
    consultation_reply = models.TextField(_("citizen's comments"), blank=True)
    consultation_replied_at = models.DateTimeField(_("comments received"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="decisions_made", verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    letter = models.ForeignKey(
        "backoffice.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions",
        verbose_name=_("decision letter"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "kind", "status"], name="decision_case_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="final")
                | models.Q(fully_granted=True)
                | models.Q(_has_text("reason")),
                name="decision_final_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="final")
                | models.Q(fully_granted=True)
                | models.Q(_has_text("appeal_guidance")),
                name="decision_final_refusal_has_appeal_guidance",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="final")
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="decision_final_has_decider",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="in_consultation")
                | models.Q(consultation_sent_at__isnull=False, consultation_deadline__isnull=False),
                name="decision_consultation_has_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.case}"

    @property
    def is_final(self):
        return self.status == self.Status.FINAL
