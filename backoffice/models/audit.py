"""Who looked at which personal data, and the append-only rule shared by
the money ledger.

Changes to records are audited through Wagtail's ModelLogEntry; this log
covers reads, which Wagtail does not record.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Case, Document
from .municipality import Municipality


class ImmutableRecordError(Exception):
    """Raised when code tries to change or delete an append-only record.
    Mistakes are fixed by adding a correcting record, never by editing."""


class AppendOnlyQuerySet(models.QuerySet):
    # Bulk paths would otherwise slip past the instance-level guard.
    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(
                f"{type(self).__name__} {self.pk} is append-only; add a correcting record instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{type(self).__name__} {self.pk} is append-only and cannot be deleted.")


class AccessLogEntry(AppendOnlyModel):
    """One read of personal data. Never holds the CPR number or search
    terms, which could contain one."""

    class Action(models.TextChoices):
        VIEW_CASE = "view_case", _("Viewed case")
        REVEAL_CPR = "reveal_cpr", _("Showed full CPR number")
        DOWNLOAD_DOCUMENT = "download_document", _("Downloaded document")
        EXPORT = "export", _("Exported data")
        ACCESS_REQUEST = "access_request", _("Produced file for access request")
        REGISTER_LOOKUP = "register_lookup", _("Looked up in the CPR or CVR register")
        # services.case_file: the case file handed out (aktindsigt) or sent on (appeal).
        CASE_FILE = "case_file", _("Handed out the case file (aktindsigt)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="access_log_entries", verbose_name=_("user"),
    )
    # Kept so the entry still says who it was after the user is deleted.
    user_label = models.CharField(_("user name at the time"), max_length=150, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("municipality"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_log_entries",
        verbose_name=_("case"),
    )
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_log_entries",
        verbose_name=_("document"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "-at"], name="access_log_case_idx"),
            models.Index(fields=["user", "-at"], name="access_log_user_idx"),
        ]

    def __str__(self):
        when = f"{self.at:%Y-%m-%d %H:%M} " if self.at else ""
        return f"{when}{self.user_label or self.user_id}: {self.get_action_display()}"
