"""The one place that decides which municipality's data a staff user sees."""

from .models import Municipality


def municipality_of(user):
    """The staff user's municipality, or None (citizens, users without one)."""
    membership = getattr(user, "staff_membership", None)
    return membership.municipality if membership else None


def visible_municipalities(user):
    if user.is_superuser:
        return Municipality.objects.all()
    municipality = municipality_of(user)
    return Municipality.objects.filter(pk=municipality.pk) if municipality else Municipality.objects.none()
