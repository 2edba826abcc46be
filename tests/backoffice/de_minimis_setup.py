"""A case ready for the loan under de minimis (on by default): the
business's declaration that it has no other de minimis aid. Tests of other
parts of the loan use it so that granting the loan works as in production."""

from django.utils import timezone

from backoffice.models import DeMinimisDeclaration


def declare_no_other_aid(case, by=None):
    """The declaration as the citizen gives it on My page (``by`` when the test case has no citizen)."""
    return DeMinimisDeclaration.objects.get_or_create(case=case, defaults={
        "no_other_aid": True, "declared_at": timezone.now(), "declared_by": case.citizen or by})[0]
