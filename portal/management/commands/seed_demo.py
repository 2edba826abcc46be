"""Demo content for two fictional municipalities, in Danish and English.

Safe to run any number of times: what exists is left alone (a site that an
editor has changed keeps the changes), what is missing is created. Page types
added to the demo later (ADDED_LATER) are added to an existing site that has
none, in both languages; other pages an editor deleted stay deleted.

Then ``seed_demo_cases`` gives each municipality applicants and a history
of cases (cohorts, loans in repayment, in arrears and written off, outcomes).
``--without-cases`` leaves that out: the test fixture is sites, pages and
users only, so tests build exactly the cases they count."""

import copy
import datetime
import decimal
import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from backoffice import roles
from backoffice.decision_texts import ensure_decision_templates
from backoffice.kle.data import read_shipped as read_kle
from backoffice.kle.load import load as load_kle
from backoffice.models import (
    KleSubject, LoanPolicy, Municipality, RetentionPolicy, StaffMembership, TargetGroup,
)

DEMO_EU_BASE_RATE = decimal.Decimal("3.00")
DEMO_EU_BASE_RATE_SET_ON = datetime.date(2026, 1, 1)
from portal import models as page_models
from portal.demo import content
from portal.demo.images import draw_illustration, draw_logo
from portal.models import SiteImage, SiteSettings

DEFAULT_DEMO_PASSWORD = "mikrolaan-demo"

MUNICIPALITIES = [
    {"slug": "nordby", "name": "Nordby Kommune", "hostname": "127.0.0.1", "port": 8000,
     "default": True, "colour": "#0059b3", "palette": "blue", "phone": "70 10 20 30",
     "cvr": "12345674"},
    {"slug": "sydby", "name": "Sydby Kommune", "hostname": "localhost", "port": 8000,
     "default": False, "colour": "#00706b", "palette": "teal", "phone": "70 40 50 60",
     "cvr": "23456788"},
]

ROLE_USERS = [
    # role, e-mail local part, first name, last name
    ("citizen", "borger", "Bo", "Borger"),
    (roles.CASEWORKER, "sagsbehandler", "Sanne", "Sagsbehandler"),
    (roles.BUSINESS_CONSULTANT, "erhvervskonsulent", "Erik", "Erhvervskonsulent"),
    (roles.COORDINATOR, "koordinator", "Karin", "Koordinator"),
    (roles.CONTENT_EDITOR, "redaktoer", "Rasmus", "Redaktør"),
    (roles.STEERING_GROUP, "styregruppe", "Stine", "Styregruppe"),
]

IMAGE_ALT_TEXTS = {
    "shop": "Tegning af en lille butik med stribet markise og åben dør",
    "workshop": "Tegning af en cykel, der er klar til reparation",
    "people": "Tegning af tre personer, der sidder om et bord og taler sammen",
    "growth": "Tegning af et søjlediagram, hvor søjlerne vokser",
}

# Set in a second pass, once every page they may refer to exists. "page_links"
# maps a page field to a page key: {"contact_page": "contact"}.
PAGE_FIELDS_SET_LATER = {"body", "primary_action", "secondary_action", "page_links"}
SPEC_ONLY_KEYS = {"type", "children", "key", "days_ago", "days_ahead", "image", "hero_image"} | PAGE_FIELDS_SET_LATER
ADDED_LATER = {"EligibilityCheckPage"}


class Command(BaseCommand):
    help = "Create demo municipalities, sites, pages in Danish and English, and one user per role."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the demo users.")
        parser.add_argument(
            "--without-cases", action="store_true",
            help="Only sites, pages and users, no applicants and case history (the test fixture).",
        )

    def handle(self, *args, quiet=False, without_cases=False, **options):
        self._sites_and_users(quiet)
        if not without_cases:
            # Applicants and a year and a half of history through the same
            # services as real cases: cohorts, loans, outcomes, statistics.
            call_command("seed_demo_cases", stdout=self.stdout, stderr=self.stderr)

    @transaction.atomic
    def _sites_and_users(self, quiet):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        danish, english = self._locales()
        self._remove_wagtail_welcome_page()
        self._target_groups()
        if not KleSubject.objects.exists():  # the migration loads it; a flushed test database has none
            load_kle(read_kle(), KleSubject)
        role_groups = roles.ensure_role_groups()
        created_users = []
        for spec in MUNICIPALITIES:
            municipality = Municipality.objects.filter(slug=spec["slug"]).first()
            if municipality is None:
                municipality = self._create_municipality(spec, danish, english)
                if not quiet:
                    self.stdout.write(f"Created {municipality.name} on http://{spec['hostname']}:{spec['port']}/")
            else:
                for page in self._add_missing_pages(spec, municipality, danish, english):
                    self.stdout.write(f"Added {page.title} to {municipality.name}")
            if not municipality.cvr_number:  # the sender of its Digital Post letters
                Municipality.objects.filter(pk=municipality.pk).update(cvr_number=spec["cvr"])
            homes = list(municipality.site.root_page.get_translations(inclusive=True))
            RetentionPolicy.objects.get_or_create(municipality=municipality)  # the defaults
            editor_group = roles.ensure_editor_group(municipality, homes)
            ensure_decision_templates(municipality)  # only adds missing ones; edits are kept
            created_users += self._users(spec, municipality, role_groups, editor_group, password)
        self._superuser(password)
        if not quiet:
            self._print_users(password)

    # --- reference data ------------------------------------------------------

    def _locales(self):
        danish, _ = Locale.objects.get_or_create(language_code="da")
        english, _ = Locale.objects.get_or_create(language_code="en")
        return danish, english

    def _remove_wagtail_welcome_page(self):
        """Wagtail's migrations create a placeholder site and page; replace them."""
        for site in Site.objects.filter(hostname="localhost", port=80):
            if not hasattr(site, "municipality"):
                site.delete()
        Page.objects.filter(depth=2, content_type__model="page", slug="home").delete()

    def _target_groups(self):
        for order, (code, name_da, name_en, eligibility, guidance_da, guidance_en) in enumerate(content.TARGET_GROUPS):
            TargetGroup.objects.get_or_create(
                code=code,
                defaults=dict(name_da=name_da, name_en=name_en, eligibility=eligibility,
                              guidance_da=guidance_da, guidance_en=guidance_en, sort_order=order),
            )

    # --- a municipality and its site ------------------------------------------

    def _site_specs(self, spec):
        """The page specs of one site, Danish and English."""
        policy_defaults = LoanPolicy._meta
        loan_min = policy_defaults.get_field("min_amount").default
        loan_max = policy_defaults.get_field("max_amount").default
        spec_da = self._localise(content.site_pages("da", loan_min, loan_max), spec["name"])
        spec_en = self._localise(content.site_pages("en", loan_min, loan_max), spec["name"])
        spec_da["slug"] = spec["slug"]
        spec_da["title"] = f"{spec_da['title']} – {spec['name']}"
        spec_en["title"] = f"{spec_en['title']} – {spec['name']}"
        return spec_da, spec_en

    def _create_municipality(self, spec, danish, english):
        root = Page.get_first_root_node()
        images = self._images(spec)
        spec_da, spec_en = self._site_specs(spec)

        built = []  # (page, spec) pairs, to fill in cross-references afterwards
        home = self._build(root, spec_da, spec_en, english, images, built)
        site = Site.objects.create(hostname=spec["hostname"], port=spec["port"], root_page=home,
                                   site_name=spec["name"], is_default_site=spec["default"])
        keys = {s["key"]: p for p, s in built if s.get("key") and p.locale_id == danish.pk}
        for page, page_spec in built:
            self._finish(page, page_spec, keys, images)

        municipality = Municipality.objects.create(name=spec["name"], slug=spec["slug"], site=site)
        # The de minimis base rate is a demo figure, not the Commission's: a real
        # installation enters the current EU base rate for Denmark in the loan policy.
        LoanPolicy.objects.create(municipality=municipality, eu_base_rate=DEMO_EU_BASE_RATE,
                                  eu_base_rate_set_on=DEMO_EU_BASE_RATE_SET_ON)
        settings = SiteSettings.for_site(site)
        settings.logo = images["logo"]
        settings.department = "Jobcenter og Erhvervsafdelingen"
        settings.phone = spec["phone"]
        settings.email = f"mikrolaan@{spec['slug']}.example"
        settings.address = f"{spec['name']}\nTorvet 1\n{9000 if spec['slug'] == 'nordby' else 6000} {spec['name'].split()[0]}"
        settings.opening_hours = "Mandag–torsdag 9–15, fredag 9–12"
        settings.footer_links = [("link", {"page": keys[k], "url": ""}) for k in ("programme", "faq", "contact")]
        settings.save()
        return municipality

    def _add_missing_pages(self, spec, municipality, danish, english):
        """Add the home page's ADDED_LATER children that this site lacks, in
        the place the demo gives them. Returns the pages added."""
        home = municipality.site.root_page.specific
        spec_da, spec_en = self._site_specs(spec)
        children = list(zip(spec_da["children"], spec_en["children"]))
        existing = {page.slug: page for page in home.get_children()}
        keys = {c["key"]: existing[c["slug"]] for c, _ in children if c.get("key") and c["slug"] in existing}
        images, built, added = None, [], []
        for position, (child_da, child_en) in enumerate(children):
            model = getattr(page_models, child_da["type"])
            if child_da["type"] not in ADDED_LATER or model.objects.descendant_of(home).exists():
                continue
            images = images or self._images(spec)
            start = len(built)
            self._build(home, child_da, child_en, english, images, built)
            page_da, page_en = built[start][0], built[start + 1][0]
            previous = existing.get(children[position - 1][0]["slug"]) if position else None
            if previous is not None:
                page_da.move(previous, pos="right")
                previous_en = previous.get_translation_or_none(english)
                if previous_en is not None:
                    Page.objects.get(pk=page_en.pk).move(previous_en, pos="right")
            added.append(page_da)
        keys.update({s["key"]: p for p, s in built if s.get("key") and p.locale_id == danish.pk})
        for page, page_spec in built:
            self._finish(page, page_spec, keys, images)
        return added

    def _localise(self, spec, municipality_name):
        """Fill in the municipality's name everywhere and give pages keys."""
        def walk(value):
            if isinstance(value, str):
                return value.replace("{m}", municipality_name)
            if isinstance(value, list):
                return [walk(v) for v in value]
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            return value

        spec = walk(copy.deepcopy(spec))
        for child in spec["children"]:
            child.setdefault("key", {"ProgrammePage": "programme", "FaqPage": "faq"}.get(child["type"]))
        return spec

    def _build(self, parent, spec_da, spec_en, english, images, built):
        """Create the Danish page and its English translation, then recurse."""
        page = self._new_page(spec_da, images)
        parent.add_child(instance=page)
        built.append((page, spec_da))
        translation = page.copy_for_translation(english)
        self._apply_fields(translation, spec_en, images)
        translation.save()
        built.append((translation, spec_en))
        for child_da, child_en in zip(spec_da.get("children", []), spec_en.get("children", [])):
            self._build(page, child_da, child_en, english, images, built)
        return page

    def _new_page(self, spec, images):
        model = getattr(page_models, spec["type"])
        page = model()
        self._apply_fields(page, spec, images)
        return page

    def _apply_fields(self, page, spec, images):
        for key, value in spec.items():
            if key not in SPEC_ONLY_KEYS and value is not None:
                setattr(page, key, value)
        if spec.get("image") or spec.get("hero_image"):
            field = "image" if "image" in spec else "hero_image"
            setattr(page, field, images.get(spec[field]))
        if "days_ago" in spec:
            page.date = timezone.localdate() - datetime.timedelta(days=spec["days_ago"])
        if "days_ahead" in spec:
            day = timezone.localdate() + datetime.timedelta(days=spec["days_ahead"])
            page.starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 0)))
            page.ends_at = page.starts_at + datetime.timedelta(minutes=90)
        if spec["type"] == "AccessibilityStatementPage":
            page.feedback_email = "tilgaengelighed@example.invalid"
        if spec["type"] == "HomePage" and not page.hero_heading:
            page.hero_heading = spec.get("hero_heading", "")
        # StreamFields that must not be empty get their content in _finish.
        if hasattr(page, "body") and not page.body:
            page.body = []

    def _finish(self, page, spec, keys, images):
        """Second pass: links to other pages exist now, so set the content
        that refers to them and publish."""
        # Fresh from the database: tree fields of the object in hand are stale
        # once children were added through another instance.
        page = Page.objects.get(pk=page.pk).specific
        if "body" in spec:
            page.body = self._resolve(spec["body"], keys, images, page.locale)
        for field in ("primary_action", "secondary_action"):
            if field in spec:
                key, label = spec[field]
                setattr(page, f"{field}_page", keys[key])
                setattr(page, f"{field}_label", label)
        for field, key in spec.get("page_links", {}).items():
            setattr(page, field, keys.get(key))  # an editor may have removed it on an older site
        page.save_revision().publish()

    def _resolve(self, value, keys, images, locale):
        if isinstance(value, list):
            return [self._resolve(v, keys, images, locale) for v in value]
        if isinstance(value, dict):
            resolved = {}
            for k, v in value.items():
                if k == "page" and isinstance(v, str):
                    resolved[k] = keys[v].pk
                elif k == "image" and isinstance(v, str):
                    resolved[k] = images[v].pk
                else:
                    resolved[k] = self._resolve(v, keys, images, locale)
            return resolved
        return value

    def _images(self, spec):
        collection = roles.municipality_collection(type("M", (), {"name": spec["name"]}))
        images = {}
        for seed, scene in enumerate(IMAGE_ALT_TEXTS, start=1):
            title = f"{spec['name']} – {scene}"
            image = SiteImage.objects.filter(title=title).first()
            if image is None:
                data = draw_illustration(scene, spec["palette"], seed=seed)
                image = SiteImage(title=title, description=IMAGE_ALT_TEXTS[scene], collection=collection)
                image.file = ImageFile(_bytes_file(data), name=f"{spec['slug']}-{scene}.png")
                image.save()
            images[scene] = image
        logo_title = f"{spec['name']} – logo"
        logo = SiteImage.objects.filter(title=logo_title).first()
        if logo is None:
            logo = SiteImage(title=logo_title, description=f"{spec['name']}s logo", collection=collection)
            logo.file = ImageFile(_bytes_file(draw_logo(spec["slug"][0].upper(), spec["colour"])),
                                  name=f"{spec['slug']}-logo.png")
            logo.save()
        images["logo"] = logo
        return images

    # --- users ---------------------------------------------------------------

    def _users(self, spec, municipality, role_groups, editor_group, password):
        User = get_user_model()
        hashed = make_password(password)  # hashing is slow on purpose: do it once
        users = []
        for role, local_part, first_name, last_name in ROLE_USERS:
            email = f"{local_part}@{spec['slug']}.example"
            user, created = User.objects.get_or_create(
                username=email, defaults={"email": email, "first_name": first_name, "last_name": last_name},
            )
            if created:
                user.password = hashed
                user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if role != "citizen":
                user.groups.add(role_groups[role])
                StaffMembership.objects.get_or_create(user=user, defaults={"municipality": municipality})
            if role == roles.CONTENT_EDITOR:
                user.groups.add(editor_group)
            users.append(user)
        return users

    def _superuser(self, password):
        User = get_user_model()
        email = "admin@mikrolaan.example"
        user, created = User.objects.get_or_create(
            username=email, defaults={"email": email, "is_superuser": True, "is_staff": True,
                                      "first_name": "Admin"},
        )
        if created:
            user.set_password(password)
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})

    def _print_users(self, password):
        self.stdout.write("")
        self.stdout.write("Demo users (password: %s)" % ("from DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else password))
        for spec in MUNICIPALITIES:
            self.stdout.write(f"  {spec['name']} – http://{spec['hostname']}:{spec['port']}/")
            for role, local_part, *_ in ROLE_USERS:
                self.stdout.write(f"    {role:<20} {local_part}@{spec['slug']}.example")
        self.stdout.write("  superuser            admin@mikrolaan.example")
        self.stdout.write("Staff and editors: http://127.0.0.1:8000/admin/")


def _bytes_file(data):
    import io

    return io.BytesIO(data)
