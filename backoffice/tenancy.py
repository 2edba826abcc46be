"""The one place that decides which municipality's data a staff user sees.

Every staff view and query starts from these functions, so "staff see only
their own municipality's cases" is enforced once, not per view."""

from .models import Case, Municipality


def municipality_of(user):
    """The staff user's municipality, or None (citizens, users without one)."""
    membership = getattr(user, "staff_membership", None)
    return membership.municipality if membership else None


def visible_municipalities(user):
    if user.is_superuser:
        return Municipality.objects.all()
    municipality = municipality_of(user)
    return Municipality.objects.filter(pk=municipality.pk) if municipality else Municipality.objects.none()


def cases_for_staff(user, queryset=None):
    """The cases ``user`` may see as staff: those of their own municipality,
    and only with the permission to view cases (editors and the steering
    group see none). Anonymised cases stay out of every staff list."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.has_perm("backoffice.view_case")):
        return queryset.none()
    if not user.is_superuser:
        municipality = municipality_of(user)
        if municipality is None:
            return queryset.none()
        queryset = queryset.filter(municipality=municipality)
    return queryset.exclude(status=Case.Status.ANONYMISED)


def may_act_on(user, case):
    """Whether ``user`` works in ``case``'s municipality (superusers: all)."""
    return user.is_superuser or (
        municipality_of(user) is not None and municipality_of(user).pk == case.municipality_id)
