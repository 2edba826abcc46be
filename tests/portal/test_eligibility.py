"""The eligibility check ("Kan jeg søge?"): the rules, the page in both
languages, accessible errors, and that nothing about the visitor is stored."""

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from wagtail.models import Locale, Page

from backoffice.models import TargetGroup
from portal.eligibility import Kind, assess
from portal.models import ContactPage, EligibilityCheckPage, ProgrammePage

HOST = "127.0.0.1:8000"  # Nordby
ALL_YES = {"check": "1", "group": "jobready_cash_benefit", "idea": "yes", "course": "yes", "resident": "yes"}


def _group(eligibility, guidance="Vejledning fra data.", name="Testgruppe"):
    return SimpleNamespace(eligibility=eligibility, guidance=guidance, name=name)


# --- the rules (pure function) ------------------------------------------------

def _assess(group=_group("can_apply"), idea=True, course=True, here=True):
    with translation.override("en"):
        return assess(group, idea, course, here, municipality_name="Nordby Kommune")


def test_everything_fits_and_the_group_can_apply():
    outcome = _assess()
    assert outcome.kind is Kind.CAN_APPLY
    assert outcome.reasons == (
        "You live in Nordby Kommune, you have an idea for a business, and you are ready to take part in the course.",
        "Vejledning fra data.",
    )


def test_living_elsewhere_means_apply_where_you_live():
    outcome = _assess(here=False)
    assert outcome.kind is Kind.NOT_HERE
    assert len(outcome.reasons) == 1
    assert "live in Nordby Kommune" in outcome.reasons[0]
    assert "municipality where you live" in outcome.reasons[0]


def test_living_elsewhere_wins_over_everything_and_lists_every_no():
    outcome = _assess(group=_group("not_eligible", "Ikke for dig."), idea=False, course=False, here=False)
    assert outcome.kind is Kind.NOT_HERE
    assert len(outcome.reasons) == 3
    assert "core of the scheme" in outcome.reasons[1]
    assert outcome.reasons[2] == "Ikke for dig."
    assert not any("information meeting" in reason for reason in outcome.reasons)


def test_not_willing_to_take_the_course_is_not_for_this_scheme():
    outcome = _assess(course=False)
    assert outcome.kind is Kind.NOT_ELIGIBLE
    assert outcome.reasons == (
        "The course of about six months is the core of the scheme. "
        "You can only get a loan if you take part in the course.",
    )


def test_no_idea_yet_means_talk_first_and_come_to_a_meeting():
    outcome = _assess(idea=False)
    assert outcome.kind is Kind.TALK_FIRST
    assert len(outcome.reasons) == 1 and "information meeting" in outcome.reasons[0]
    # The group's "you can apply" guidance would contradict the answer.
    assert "Vejledning fra data." not in outcome.reasons


def test_none_of_these_or_dont_know_means_talk_first():
    outcome = _assess(group=None)
    assert outcome.kind is Kind.TALK_FIRST
    assert outcome.reasons == (
        "We do not know what you live on yet. Talk to your caseworker or to us, "
        "so that together we can find out whether the scheme fits your situation.",
    )


@pytest.mark.parametrize(("eligibility", "kind"), [
    ("can_apply", Kind.CAN_APPLY), ("talk_first", Kind.TALK_FIRST), ("not_eligible", Kind.NOT_ELIGIBLE),
])
def test_otherwise_the_target_groups_own_eligibility_decides_with_its_guidance(eligibility, kind):
    outcome = _assess(group=_group(eligibility, "Gruppens egen tekst."))
    assert outcome.kind is kind
    assert "Gruppens egen tekst." in outcome.reasons


def test_talk_first_collects_every_talk_first_reason():
    outcome = _assess(group=_group("talk_first", "Tal med din rådgiver."), idea=False)
    assert outcome.kind is Kind.TALK_FIRST
    assert len(outcome.reasons) == 2 and outcome.reasons[1] == "Tal med din rådgiver."


def test_a_not_eligible_group_is_not_softened_by_a_missing_idea():
    outcome = _assess(group=_group("not_eligible", "Ikke for dig."), idea=False)
    assert outcome.kind is Kind.NOT_ELIGIBLE
    assert outcome.reasons == ("Ikke for dig.",)


@pytest.mark.parametrize("eligibility", ["can_apply", "talk_first", "not_eligible"])
def test_a_group_without_guidance_gets_a_plain_default_naming_the_group(eligibility):
    outcome = _assess(group=_group(eligibility, guidance="", name="Revalidend"))
    assert any("(Revalidend)" in reason for reason in outcome.reasons)


def test_reasons_speak_the_active_language():
    with translation.override("da"):
        outcome = assess(None, True, False, True, municipality_name="Nordby Kommune")
    assert outcome.reasons[0].startswith("Forløbet på cirka seks måneder er kernen i ordningen.")


def test_reasons_without_a_municipality_name_still_read_well():
    with translation.override("da"):
        outcome = assess(None, True, True, False)
    assert "der bor i kommunen." in outcome.reasons[0]


# --- the page ----------------------------------------------------------------

@pytest.fixture
def check_page(nordby):
    return EligibilityCheckPage.objects.get(locale__language_code="da", path__startswith=nordby.site.root_page.path)


def _get(client, language="da", **params):
    url = "/kan-jeg-soege/" if language == "da" else "/en/can-i-apply/"
    response = client.get(url, params, HTTP_HOST=HOST)
    assert response.status_code == 200
    return response, BeautifulSoup(response.content, "html.parser")


def _checked(soup, name):
    return [radio["value"] for radio in soup.select(f'input[type=radio][name="{name}"][checked]')]


@pytest.mark.parametrize(("language", "legend", "none_label"), [
    ("da", "Hvad lever du af nu?", "Ingen af dem / Det ved jeg ikke"),
    ("en", "What do you live on now?", "None of these / I don't know"),
])
def test_page_asks_four_questions_as_fieldsets_in_both_languages(client, demo, language, legend, none_label):
    response, soup = _get(client, language)
    assert soup.html["lang"] == language
    assert len(soup.find_all("h1")) == 1
    fieldsets = soup.select("form.eligibility-form fieldset")
    assert len(fieldsets) == 4
    assert fieldsets[0].legend.get_text(strip=True) == legend
    assert "Nordby Kommune" in fieldsets[3].legend.get_text()
    labels = [label.get_text(strip=True) for label in fieldsets[0].find_all("label")]
    active = TargetGroup.objects.filter(active=True)
    names = [g.name_da if language == "da" else g.name_en for g in active]
    assert labels == names + [none_label]
    for fieldset in fieldsets:  # every radio has its own label
        for radio in fieldset.select("input[type=radio]"):
            assert fieldset.find("label", attrs={"for": radio["id"]})
    form = soup.select_one("form.eligibility-form")
    assert form["method"] == "get"
    assert not form.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert not soup.select_one("#result") and not soup.select_one(".error-summary")


CONTACT = {"da": ("/kontakt/", "Kontakt os"), "en": ("/en/contact/", "Contact us")}


@pytest.mark.parametrize(("answers", "heading", "links"), [
    ({}, "Du kan søge", [("/apply/", "Søg nu"), CONTACT["da"]]),
    ({"group": "rehabilitation"}, "Du kan søge", [("/apply/", "Søg nu"), CONTACT["da"]]),
    ({"group": "education_ready_education_benefit"}, "Tal med din sagsbehandler først", [CONTACT["da"]]),
    ({"group": "none"}, "Tal med din sagsbehandler først", [CONTACT["da"]]),
    ({"idea": "no"}, "Tal med din sagsbehandler først", [CONTACT["da"]]),
    ({"group": "self_supporting"}, "Ordningen er ikke for dig – prøv i stedet Erhvervshuset",
     [("https://erhvervshuse.dk/", "Erhvervshuset"), CONTACT["da"]]),
    ({"course": "no"}, "Ordningen er ikke for dig – prøv i stedet Erhvervshuset",
     [("https://erhvervshuse.dk/", "Erhvervshuset"), CONTACT["da"]]),
    ({"resident": "no"}, "Ordningen her er ikke for dig – søg i den kommune, du bor i",
     [("https://erhvervshuse.dk/", "Erhvervshuset"), CONTACT["da"]]),
], ids=["jobready", "rehabilitation", "education-ready", "dont-know", "no-idea", "self-supporting",
        "no-course", "lives-elsewhere"])
def test_each_outcome_shows_its_heading_reasons_text_and_links(client, demo, answers, heading, links):
    response, soup = _get(client, **{**ALL_YES, **answers})
    result = soup.select_one("#result")
    assert result["role"] == "status" and result.has_attr("data-focus-on-load")
    assert result.h2.get_text(strip=True) == heading
    assert soup.title.string.startswith(f"{heading} – Kan jeg søge?")
    assert result.select(".eligibility-result__reasons li")
    assert result.select_one(".eligibility-result__text p")  # the editor's text for the outcome
    assert [(a["href"], a.get_text(strip=True)) for a in result.select(".button-row a")] == links
    # The answers stay chosen, so the citizen can change one and check again.
    for name in ("group", "idea", "course", "resident"):
        assert _checked(soup, name) == [{**ALL_YES, **answers}[name]]


def test_editor_texts_follow_the_outcome(client, check_page):
    check_page.can_apply_text = "<p>Velkommen til en samtale.</p>"
    check_page.talk_first_text = "<p>Ring til din sagsbehandler.</p>"
    check_page.save_revision().publish()
    _, soup = _get(client, **ALL_YES)
    assert soup.select_one(".eligibility-result__text").get_text(strip=True) == "Velkommen til en samtale."
    _, soup = _get(client, **{**ALL_YES, "idea": "no"})
    assert soup.select_one(".eligibility-result__text").get_text(strip=True) == "Ring til din sagsbehandler."


def test_apply_button_goes_to_another_page_when_the_editor_chooses_one(client, check_page):
    programme = ProgrammePage.objects.get(locale=check_page.locale, path__startswith=check_page.path[:8])
    check_page.apply_page = programme
    check_page.save_revision().publish()
    _, soup = _get(client, **ALL_YES)
    assert [(a["href"], a.get_text(strip=True)) for a in soup.select("#result .button-row a")] == [
        ("/saadan-fungerer-det/", "Søg nu"), CONTACT["da"],
    ]
    # The English page may point at the Danish page: visitors get its translation.
    english = check_page.get_translation(Locale.objects.get(language_code="en"))
    english.apply_page = programme
    english.save_revision().publish()
    _, soup = _get(client, "en", **ALL_YES)
    assert [a["href"] for a in soup.select("#result .button-row a")] == ["/en/how-it-works/", "/en/contact/"]


def test_without_a_chosen_contact_page_the_sites_own_is_used(client, check_page):
    check_page.contact_page = None
    check_page.alternative_label = ""
    check_page.save_revision().publish()
    _, soup = _get(client, **{**ALL_YES, "group": "self_supporting"})
    assert soup.select_one("#result h2").get_text(strip=True) == (
        "Ordningen er ikke for dig – tal med os om andre muligheder")
    assert [a["href"] for a in soup.select("#result .button-row a")] == ["https://erhvervshuse.dk/", "/kontakt/"]


def test_outcome_in_english(client, demo):
    _, soup = _get(client, "en", **{**ALL_YES, "group": "self_supporting"})
    assert soup.select_one("#result h2").get_text(strip=True) == (
        "The scheme is not for you – try Erhvervshuset (Business Hub) instead")
    assert "Contact the regional Business Hub" in soup.select_one("#result").get_text()
    assert soup.select("#result .button-row a")[1]["href"] == "/en/contact/"
    _, soup = _get(client, "en", **ALL_YES)
    assert soup.title.string.startswith("You can apply – Can I apply?")


# --- errors --------------------------------------------------------------------

def test_missing_answers_show_summary_and_messages_and_keep_the_others(client, demo):
    response, soup = _get(client, check="1", idea="yes")
    assert soup.title.string.startswith("Fejl: Kan jeg søge?")
    assert not soup.select_one("#result")
    summary = soup.select_one(".error-summary")
    assert summary.has_attr("data-focus-on-load")
    assert [(a["href"], a.get_text(strip=True)) for a in summary.select("a")] == [
        ("#id_group_0", "Vælg, hvad du lever af nu, eller vælg »Ingen af dem / Det ved jeg ikke«."),
        ("#id_course_0", "Svar ja eller nej: Vil du deltage i forløbet?"),
        ("#id_resident_0", "Svar ja eller nej: Bor du i Nordby Kommune?"),
    ]
    for name in ("group", "course", "resident"):
        target = soup.find(id=f"id_{name}_0")  # the summary's links lead to a radio
        fieldset = target.find_parent("fieldset")
        error = fieldset.select_one(".field-error")  # the message is inside the group
        assert error["id"] == f"id_{name}_error"
        assert error["id"] in fieldset["aria-describedby"].split()
        assert all(radio["aria-invalid"] == "true" for radio in fieldset.select("input[type=radio]"))
    idea = soup.find(id="id_idea_0").find_parent("fieldset")
    assert not idea.select_one(".field-error") and not idea.has_attr("aria-describedby")
    assert _checked(soup, "idea") == ["yes"]


def test_sending_no_answer_at_all_shows_every_error_in_english(client, demo):
    _, soup = _get(client, "en", check="1")
    assert [a.get_text(strip=True) for a in soup.select(".error-summary a")] == [
        "Choose what you live on now, or choose “None of these / I don't know”.",
        "Answer yes or no: do you have an idea for a business?",
        "Answer yes or no: are you willing to take part in the course?",
        "Answer yes or no: do you live in Nordby Kommune?",
    ]
    assert soup.select_one(".error-summary h2").get_text(strip=True) == "There is a problem"


# --- nothing is stored ------------------------------------------------------------

def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.mark.parametrize("answers", [ALL_YES, {"check": "1"}], ids=["result", "errors"])
def test_nothing_is_stored(client, demo, answers, settings):
    settings.WAGTAIL_CACHE = True
    cache.clear()
    _get(client)  # the logo's image rendition is made once, on the first page view
    before = _row_counts()
    response, _ = _get(client, **answers)
    assert _row_counts() == before
    assert not response.cookies, "no session, CSRF or other cookie"
    assert not response.wsgi_request.session.modified
    assert response.wsgi_request.session.session_key is None
    # Pages with answers stay out of the shared page cache and the browser's.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Page-Cache"] == "skip"
    assert _get(client, **answers)[0]["X-Page-Cache"] == "skip"


def test_the_empty_form_is_cached_and_a_target_group_change_clears_it(client, demo, settings):
    settings.WAGTAIL_CACHE = True
    cache.clear()
    assert _get(client)[0]["X-Page-Cache"] == "miss"
    assert _get(client)[0]["X-Page-Cache"] == "hit"
    group = TargetGroup.objects.get(code="sickness_benefit")
    group.name_da = "Sygemeldt med sygedagpenge"
    group.save()
    response, soup = _get(client)
    assert response["X-Page-Cache"] == "miss"
    assert "Sygemeldt med sygedagpenge" in soup.select_one("fieldset").get_text()


# --- target groups come from the data ------------------------------------------------

def test_inactive_target_groups_are_not_offered_nor_accepted(client, demo):
    TargetGroup.objects.filter(code="sickness_benefit").update(active=False)
    _, soup = _get(client)
    assert "sickness_benefit" not in [r["value"] for r in soup.select('input[name="group"]')]
    assert "Sygedagpengemodtager" not in soup.select_one("fieldset").get_text()
    _, soup = _get(client, **{**ALL_YES, "group": "sickness_benefit"})
    assert not soup.select_one("#result")
    assert [a.get_text(strip=True) for a in soup.select(".error-summary a")] == ["Vælg en af mulighederne."]


def test_guidance_and_eligibility_come_from_the_target_group(client, demo):
    group = TargetGroup.objects.get(code="early_retirement_pension")
    group.guidance_da = "Husk at fortælle Udbetaling Danmark om din virksomhed."
    group.guidance_en = "Remember to tell Udbetaling Danmark about your business."
    group.eligibility = TargetGroup.Eligibility.TALK_FIRST
    group.save()
    answers = {**ALL_YES, "group": "early_retirement_pension"}
    _, soup = _get(client, **answers)
    assert soup.select_one("#result h2").get_text(strip=True) == "Tal med din sagsbehandler først"
    assert "Husk at fortælle Udbetaling Danmark om din virksomhed." in soup.select_one("#result").get_text()
    _, soup = _get(client, "en", **answers)
    assert "Remember to tell Udbetaling Danmark about your business." in soup.select_one("#result").get_text()


# --- demo content ------------------------------------------------------------------

def test_home_page_links_to_the_check_and_the_menu_lists_it(client, demo):
    soup = BeautifulSoup(client.get("/", HTTP_HOST=HOST).content, "html.parser")
    assert soup.select_one('.cta a[href="/kan-jeg-soege/"]')
    assert "Kan jeg søge?" in [a.get_text(strip=True) for a in soup.select("#site-menu a")]


def test_demo_check_pages_link_to_their_sites_contact_page(demo):
    pages = EligibilityCheckPage.objects.all()
    assert sorted(p.locale.language_code for p in pages) == ["da", "da", "en", "en"]
    for page in pages:
        assert page.live and page.show_in_menus
        assert isinstance(page.contact_page.specific, ContactPage)
        assert page.contact_page.get_site() == page.get_site()
        assert page.apply_page is None and page.alternative_url


def test_seed_adds_the_check_to_an_existing_site_that_lacks_it(demo):
    english = Locale.objects.get(language_code="en")
    home = demo["nordby"].site.root_page
    for page in EligibilityCheckPage.objects.all():
        page.delete()
    assert not EligibilityCheckPage.objects.exists()

    call_command("seed_demo", quiet=True, without_cases=True)
    call_command("seed_demo", quiet=True, without_cases=True)  # and only once

    danish = EligibilityCheckPage.objects.child_of(home).get()
    translated = danish.get_translation(english)
    assert (danish.slug, translated.slug) == ("kan-jeg-soege", "can-i-apply")
    assert danish.live and translated.live
    assert danish.contact_page.slug == "kontakt"
    # In the demo's place: right after the programme page, in both trees.
    for page in (danish, translated):
        siblings = [p.specific_class for p in Page.objects.sibling_of(page)]
        assert siblings.index(EligibilityCheckPage) == siblings.index(ProgrammePage) + 1
    assert EligibilityCheckPage.objects.count() == 4
