"""Files stored by a service inside its transaction.

A file is written to storage at once, but the rows that point at it only
exist if the transaction commits; without this, a refused or failed write
would leave orphaned files (letters, bundles) in the private storage."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def atomic_with_files():
    """``transaction.atomic()`` that yields a list: append each stored
    ``FieldFile`` to it, and they are deleted again if the block fails."""
    stored = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
