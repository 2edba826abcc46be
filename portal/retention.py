"""The portal's part in the retention run (``backoffice.services.retention``).

The backoffice never imports the portal, so it cannot delete drafts itself;
it calls Wagtail hooks, and these functions are registered for them in
``portal/wagtail_hooks.py``."""

from functools import partial

from django.db import transaction
from django.db.models import Q

from backoffice.models import Case, Document
from backoffice.services.retention import delete_files

from .models import ApplicationDraft, DraftDocument


def delete_old_drafts(municipality, *, last_saved_before, dry_run=False):
    """Delete the municipality's applications never sent, last saved before
    ``last_saved_before``, with their files. Submitted drafts whose case is
    gone or anonymised go too (they hold a copy of the answers).
    Returns ``{"drafts": n, "draft_files": m}``."""
    unsent_or_orphaned = (Q(status=ApplicationDraft.Status.DRAFT) | Q(case__isnull=True)
                          | Q(case__status=Case.Status.ANONYMISED))
    drafts = ApplicationDraft.objects.filter(
        unsent_or_orphaned, municipality=municipality, updated_at__lt=last_saved_before)
    return _delete(drafts, dry_run=dry_run)


def forget_anonymised_case(case):
    """The case is being anonymised: delete the submitted draft it came from
    (the answers with the CPR number). Runs inside the anonymising
    transaction, after the case's documents are gone; its files are the
    same ones and are deleted after the commit."""
    _delete(ApplicationDraft.objects.filter(case=case))


def _delete(drafts, *, dry_run=False):
    with transaction.atomic():
        ids = list(drafts.values_list("pk", flat=True))
        names = set(
            DraftDocument.objects.filter(draft__in=ids).exclude(file="").values_list("file", flat=True))
        # A submitted draft's files became the case's documents (not copied):
        # never delete a file a case still holds.
        names -= set(Document.objects.filter(file__in=names).values_list("file", flat=True))
        if not dry_run:
            ApplicationDraft.objects.filter(pk__in=ids).delete()  # DraftDocument rows cascade
            storage = DraftDocument._meta.get_field("file").storage
            transaction.on_commit(partial(delete_files, [(storage, name) for name in sorted(names)]))
    return {"drafts": len(ids), "draft_files": len(names)}
