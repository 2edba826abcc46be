"""Writing KLE entries into ``KleSubject``: the command and the migration
share it (the migration passes its historical model)."""

from django.db import transaction


def load(entries, model):
    """Make the table match ``entries``: add new numbers, update changed
    titles, mark numbers no longer in the plan inactive (cases still refer
    to them). Running it twice with the same data changes nothing.
    Returns counts of created, updated, deactivated."""
    with transaction.atomic():
        existing = {row.number: row for row in model.objects.all()}
        wanted = {entry.number: entry for entry in entries}
        created = [model(number=e.number, title=e.title, level=e.level, active=True)
                   for n, e in wanted.items() if n not in existing]
        changed = []
        for number, row in existing.items():
            entry = wanted.get(number)
            if entry is None:
                if row.active:
                    row.active = False
                    changed.append(row)
            elif (row.title, row.level, row.active) != (entry.title, entry.level, True):
                row.title, row.level, row.active = entry.title, entry.level, True
                changed.append(row)
        model.objects.bulk_create(created, batch_size=500)
        model.objects.bulk_update(changed, ["title", "level", "active"], batch_size=500)
    deactivated = sum(1 for row in changed if not row.active)
    return {"created": len(created), "updated": len(changed) - deactivated, "deactivated": deactivated}
