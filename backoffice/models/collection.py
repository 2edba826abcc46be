"""Collection of unpaid loans: reminders, the written notice, the handover
to Gældsstyrelsen, and the schedule changes (deferral, rescheduling).

The loan ledger (``LedgerEntry``) holds money only. A deferral or a
rescheduling moves no money, so it is its own append-only record,
``ScheduleChange``, made by a final decision with a reason, and shown with
the ledger. The instalments it replaces stay in the table with
``replaced_by`` set, so the earlier schedule can always be read back.

Reminder fees (rentelovens § 9b: at most DKK 100 per reminder, at most three
for one claim, at least 10 days apart) are a claim beside the loan: they are
kept on the collection steps and go with the claim to Gældsstyrelsen, not
into the loan's ledger, whose balance stays principal and interest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import AppendOnlyModel
from .cases import Document
from .decisions import Decision
from .loans import Loan, RepaymentInstalment


class ScheduleChange(AppendOnlyModel):
    """A deferral (henstand) or rescheduling (omlægning af afdragsordning)
    of a loan's repayment schedule, by a final decision with a reason."""

    class Kind(models.TextChoices):
        DEFERRAL = "deferral", _("Deferral")
        RESCHEDULING = "rescheduling", _("Rescheduling")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="schedule_changes",
                             verbose_name=_("loan"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="schedule_change",
                                    verbose_name=_("decision"))
    reason = models.TextField(_("reason"))
    booked_on = models.DateField(_("booked on"))
    # Deferral: no reminders until this day; the deferred instalments fall due on it.
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    # Rescheduling: the new number of monthly instalments, from ``first_due_on``.
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    first_due_on = models.DateField(_("first new due date"), null=True, blank=True)
    # The principal in the replaced instalments: the new ones hold exactly the same.
    principal_ore = models.BigIntegerField(_("principal moved (øre)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        ordering = ["loan", "booked_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="deferral", deferred_until__isnull=False)
                | models.Q(kind="rescheduling", months__gte=1, first_due_on__isnull=False),
                name="schedule_change_fields_match_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.loan}"


class CollectionStep(AppendOnlyModel):
    """One reminder or the written notice, sent once for one round of
    arrears. A round is named by the oldest unpaid instalment when it
    started; the unique constraint makes the daily run idempotent."""

    class Kind(models.TextChoices):
        REMINDER_1 = "reminder_1", _("Reminder 1")
        REMINDER_2 = "reminder_2", _("Reminder 2")
        NOTICE = "notice", _("Written notice")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="collection_steps",
                             verbose_name=_("loan"))
    instalment = models.ForeignKey(RepaymentInstalment, on_delete=models.PROTECT, related_name="collection_steps",
                                   verbose_name=_("oldest unpaid instalment"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sent_on = models.DateField(_("sent on"))
    days_past_due = models.PositiveIntegerField(_("days past due"))
    arrears_ore = models.BigIntegerField(_("arrears (øre)"))
    fee_ore = models.PositiveIntegerField(_("reminder fee (øre)"), default=0)
    # Notice: the last day to pay before the claim may be handed over.
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    letter = models.OneToOneField(Document, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="collection_step", verbose_name=_("letter"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection step")
        verbose_name_plural = _("collection steps")
        ordering = ["loan", "sent_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instalment", "kind"], name="collection_step_once_per_round"),
            models.CheckConstraint(condition=models.Q(fee_ore__lte=10_000), name="collection_fee_at_most_100_kr"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.loan}"


class ClaimHandover(models.Model):
    """The claim handed over to Gældsstyrelsen (restanceinddrivelses-
    myndigheden), with the figures as exported, and its status afterwards
    as staff record it."""

    class Status(models.TextChoices):
        HANDED_OVER = "handed_over", _("Handed over")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")
        PAID = "paid", _("Paid")
        WRITTEN_OFF = "written_off", _("Written off")

    # While a claim is with Gældsstyrelsen the municipality sends no reminders of its own.
    OPEN_STATUSES = ("handed_over", "accepted")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("loan"))
    notice = models.OneToOneField(CollectionStep, on_delete=models.PROTECT, related_name="handover",
                                  verbose_name=_("written notice"))
    handed_over_on = models.DateField(_("handed over on"))
    handed_over_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("handed over by"))
    claim_type = models.CharField(_("claim type"), max_length=30)
    principal_ore = models.BigIntegerField(_("principal outstanding (øre)"))
    interest_ore = models.BigIntegerField(_("interest (øre)"))
    fees_ore = models.BigIntegerField(_("fees (øre)"))
    # ISO dates of the unpaid instalments, as exported.
    due_dates = models.JSONField(_("due dates"), default=list)
    limitation_on = models.DateField(_("limitation date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.HANDED_OVER)
    status_on = models.DateField(_("status since"))
    status_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("claim handed over")
        verbose_name_plural = _("claims handed over")
        ordering = ["-handed_over_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["loan"], condition=models.Q(status__in=["handed_over", "accepted"]),
                                    name="handover_one_open_per_loan"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} – {self.loan}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def total_ore(self):
        return self.principal_ore + self.interest_ore + self.fees_ore
