"""Staff roles as Django groups, so that staff and editors share Wagtail's
one permission system. Group names are what staff see in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

CASEWORKER = "caseworker"
BUSINESS_CONSULTANT = "business_consultant"
COORDINATOR = "coordinator"
CONTENT_EDITOR = "content_editor"
STEERING_GROUP = "steering_group"

ROLE_GROUP_NAMES = {
    CASEWORKER: "Sagsbehandlere",
    BUSINESS_CONSULTANT: "Erhvervskonsulenter",
    COORDINATOR: "Koordinatorer",
    CONTENT_EDITOR: "Redaktører",
    STEERING_GROUP: "Styregruppe",
}

_CASE_WORK = ["backoffice.view_case", "backoffice.handle_case", "backoffice.assess_case"]

# The coordinator keeps the evaluation's parameters: yearly targets,
# break-even inputs, budget lines and expenses.
_STATISTICS_SETTINGS = [
    f"backoffice.{action}_{model}" for model in ("yearlytarget", "breakevenparameters", "budgetline", "expense")
    for action in ("view", "add", "change", "delete")
]

# Model permissions per role. Steering group and editors get no case
# permission at all: statistics (counts, no personal data) and pages only.
ROLE_PERMISSIONS = {
    CASEWORKER: ["wagtailadmin.access_admin", *_CASE_WORK, "backoffice.assign_case",
                 "backoffice.decide_admission"],
    BUSINESS_CONSULTANT: ["wagtailadmin.access_admin", *_CASE_WORK, "backoffice.manage_course"],
    COORDINATOR: ["wagtailadmin.access_admin", "backoffice.change_loanpolicy", "backoffice.view_municipality",
                  *_CASE_WORK, "backoffice.assign_case", "backoffice.decide_admission",
                  "backoffice.manage_course", "backoffice.decide_loan", "backoffice.manage_loan",
                  "backoffice.export_cases", "backoffice.read_audit_log", "backoffice.anonymise_case",
                  "backoffice.change_decisiontemplate", "backoffice.view_decisiontemplate",
                  "backoffice.change_retentionpolicy", "backoffice.view_retentionpolicy",
                  "backoffice.view_statistics", *_STATISTICS_SETTINGS],
    CONTENT_EDITOR: ["wagtailadmin.access_admin", "portal.change_sitesettings"],
    STEERING_GROUP: ["wagtailadmin.access_admin", "backoffice.view_statistics"],
}

EDITOR_PAGE_PERMISSIONS = ["add", "change", "publish", "lock", "unlock"]
# Wagtail checks image and document permissions on its base models, also
# when a custom image model is used.
EDITOR_COLLECTION_PERMISSIONS = [
    "wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image",
    "wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document",
]


def _permission(dotted):
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def ensure_role_groups():
    """Create or update the role groups. Safe to run any number of times."""
    groups = {}
    for role, name in ROLE_GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*[_permission(p) for p in ROLE_PERMISSIONS[role]])
        groups[role] = group
    return groups


@transaction.atomic
def ensure_editor_group(municipality, home_pages):
    """Editors of one municipality may edit only that municipality's page
    trees (every language) and its image and document collection."""
    group, _ = Group.objects.get_or_create(name=f"{ROLE_GROUP_NAMES[CONTENT_EDITOR]} – {municipality.name}")
    for page in home_pages:
        for permission_type in EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=f"{permission_type}_page")
            GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
    collection = municipality_collection(municipality)
    for dotted in EDITOR_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission(dotted)
        )
    return group


def municipality_collection(municipality):
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=municipality.name).first()
    return existing or root.add_child(name=municipality.name)
