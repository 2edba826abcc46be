from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Site

from backoffice.models import Municipality, StaffMembership, TargetGroup
from backoffice.roles import ROLE_GROUP_NAMES


def _counts():
    return {
        "pages": Page.objects.count(),
        "sites": Site.objects.count(),
        "municipalities": Municipality.objects.count(),
        "users": get_user_model().objects.count(),
        "target_groups": TargetGroup.objects.count(),
        "memberships": StaffMembership.objects.count(),
    }


def test_seeding_twice_changes_nothing(demo, capsys):
    before = _counts()
    call_command("seed_demo", without_cases=True)
    assert _counts() == before
    printed = capsys.readouterr().out
    assert "koordinator@nordby.example" in printed and "borger@sydby.example" in printed


def test_demo_has_two_municipalities_with_their_own_sites(demo):
    assert {(m.slug, m.site.hostname, m.site.port) for m in demo.values()} == {
        ("nordby", "127.0.0.1", 8000), ("sydby", "localhost", 8000),
    }
    for municipality in demo.values():
        languages = {p.locale.language_code for p in municipality.site.root_page.get_translations(inclusive=True)}
        assert languages == {"da", "en"}


def test_demo_has_one_verified_user_per_role_per_municipality(demo):
    User = get_user_model()
    for municipality in demo.values():
        for local_part in ("borger", "sagsbehandler", "erhvervskonsulent", "koordinator", "redaktoer", "styregruppe"):
            user = User.objects.get(email=f"{local_part}@{municipality.slug}.example")
            assert EmailAddress.objects.get(user=user).verified
            if local_part == "borger":
                assert not hasattr(user, "staff_membership")
                assert not user.has_perm("wagtailadmin.access_admin")
            else:
                assert user.staff_membership.municipality == municipality
                assert user.has_perm("wagtailadmin.access_admin")


def test_role_groups_exist(demo):
    from django.contrib.auth.models import Group

    assert set(ROLE_GROUP_NAMES.values()) <= set(Group.objects.values_list("name", flat=True))


def test_demo_target_groups_come_from_the_domain_brief(demo):
    assert set(TargetGroup.objects.values_list("code", flat=True)) == {
        "jobready_cash_benefit", "education_ready_education_benefit", "activity_ready", "rehabilitation",
        "sickness_benefit", "early_retirement_pension", "self_supporting",
    }
