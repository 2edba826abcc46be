"""The public site as a visitor meets it in a real browser: both languages,
the main menu, the programme page's timeline and FAQ, the language switcher,
keyboard use, stories, meetings, the accessibility statement and the 404 page.

Every page visited is checked with axe and photographed at phone and desktop
width (screenshots/<name>-mobile.png and -desktop.png)."""

import re

import pytest
from playwright.sync_api import expect

from portal.demo import content

from .conftest import MOBILE, assert_accessible, screenshot, visit

pytestmark = pytest.mark.browser

MUNICIPALITY = "Nordby Kommune"  # the demo's default site, served on 127.0.0.1


def _spec(lang):
    return content.site_pages(lang, 0, 0)


def _child(lang, page_type):
    return next(child for child in _spec(lang)["children"] if child["type"] == page_type)


def _h1(page):
    return page.locator("main h1")


def test_home_page_in_danish(page):
    visit(page, "/")

    assert page.locator("html").get_attribute("lang") == "da"
    expect(_h1(page)).to_have_text(_spec("da")["hero_heading"])
    expect(page.locator(".site-header .brand__municipality")).to_have_text(MUNICIPALITY)
    expect(page.locator(".site-header .brand__municipality")).to_be_visible()
    expect(page).to_have_title(re.compile(MUNICIPALITY))
    # The programme is the home page's main call to action.
    expect(page.locator(".hero .button--primary")).to_have_text("Sådan fungerer det")
    screenshot(page, "home-da")


def test_home_page_in_english(page):
    visit(page, "/en/")

    assert page.locator("html").get_attribute("lang") == "en"
    expect(_h1(page)).to_have_text(_spec("en")["hero_heading"])
    expect(page.locator(".site-header .brand__municipality")).to_have_text(MUNICIPALITY)
    expect(page.locator(".site-header .brand__municipality")).to_be_visible()
    expect(page.locator(".hero .button--primary")).to_have_text("How it works")
    screenshot(page, "home-en")


def test_programme_page_from_main_menu_then_switch_to_english(page):
    programme_da, programme_en = _child("da", "ProgrammePage"), _child("en", "ProgrammePage")
    visit(page, "/")

    page.locator("#site-menu").get_by_role("link", name=programme_da["title"], exact=True).click()

    expect(page).to_have_url(re.compile(rf"/{programme_da['slug']}/$"))
    expect(_h1(page)).to_have_text(programme_da["title"])
    assert_accessible(page)
    # The current page is marked in the menu.
    expect(page.locator("#site-menu a[aria-current='page']")).to_have_text(programme_da["title"])

    # The steps timeline: an ordered list with every step, in order.
    steps = page.locator("ol.steps__list > li.steps__item")
    expected_steps = [step["title"] for step in content._steps("da")]
    expect(steps).to_have_count(len(expected_steps))
    expect(steps.locator(".steps__title")).to_have_text(expected_steps)
    expect(steps.first).to_be_visible()

    # The FAQ accordion: answers are hidden until their question is opened.
    faq = content._faq("da")[1]  # "Skal jeg betale renter?"
    question = page.locator("details.accordion__item").filter(
        has=page.locator("summary", has_text=faq["question"])
    )
    answer_text = re.sub(r"<[^>]+>", "", faq["answer"])
    answer = question.locator(".accordion__answer")
    expect(question).not_to_have_attribute("open", "")
    expect(answer).to_be_hidden()
    question.locator("summary").click()
    expect(question).to_have_attribute("open", "")
    expect(answer).to_be_visible()
    expect(answer).to_have_text(answer_text)
    assert_accessible(page)
    screenshot(page, "programme-da")

    # The language switcher leads to the same page in English.
    switcher = page.locator(".language-switcher")
    expect(switcher.locator("a[aria-current='true']")).to_have_attribute("hreflang", "da")
    switcher.locator("a[hreflang='en']").click()

    expect(page).to_have_url(re.compile(rf"/en/{programme_en['slug']}/$"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(_h1(page)).to_have_text(programme_en["title"])
    expect(page.locator(".language-switcher a[aria-current='true']")).to_have_attribute("hreflang", "en")
    expect(page.locator("ol.steps__list > li.steps__item .steps__title")).to_have_text(
        [step["title"] for step in content._steps("en")]
    )
    assert_accessible(page)
    screenshot(page, "programme-en")


def test_main_menu_folds_behind_a_button_on_a_phone(page):
    page.set_viewport_size(MOBILE)
    visit(page, "/")

    toggle = page.locator(".site-nav__toggle")
    menu_link = page.locator("#site-menu").get_by_role("link", name=_child("da", "ProgrammePage")["title"])
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu_link).to_be_hidden()

    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu_link).to_be_visible()
    assert_accessible(page)
    menu_link.click()
    expect(_h1(page)).to_have_text(_child("da", "ProgrammePage")["title"])
    assert_accessible(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    visit(page, "/")

    page.keyboard.press("Tab")

    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # hidden until focused, then shown
    expect(skip_link).to_have_text("Gå til indhold")
    expect(skip_link).to_have_attribute("href", "#main")
    assert_accessible(page)

    page.keyboard.press("Enter")

    expect(page.locator("main#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
    assert_accessible(page)


def test_story_page(page):
    stories = _child("da", "StoryIndexPage")
    story = stories["children"][0]
    visit(page, f"/{stories['slug']}/")
    expect(_h1(page)).to_have_text(stories["title"])
    expect(page.locator(".card-grid .card")).to_have_count(len(stories["children"]))
    screenshot(page, "stories-da")

    page.locator(".card-grid").get_by_role("link", name=story["title"]).click()

    expect(page).to_have_url(re.compile(rf"/{stories['slug']}/{story['slug']}/$"))
    expect(_h1(page)).to_have_text(story["title"])
    expect(page.locator("blockquote.quote p")).to_have_text(story["quote"])
    expect(page.locator("main .card__meta")).to_contain_text(story["business_name"])
    # Breadcrumbs lead back to the list of stories.
    expect(page.locator("nav.breadcrumbs")).to_contain_text(stories["title"])
    image = page.locator("main .page-image img")
    expect(image).to_be_visible()
    assert image.get_attribute("alt"), "the story's image has no text alternative"
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the story's image did not load"
    assert_accessible(page)
    screenshot(page, "story-da")


def test_events_index(page):
    events = _child("da", "EventIndexPage")
    visit(page, f"/{events['slug']}/")

    expect(_h1(page)).to_have_text(events["title"])
    by_date = sorted(events["children"], key=lambda e: e["days_ahead"])
    upcoming = [e["title"] for e in by_date if e["days_ahead"] > 0]
    past = [e["title"] for e in events["children"] if e["days_ahead"] < 0]
    expect(page.locator(".card--event .card__title")).to_have_text(upcoming)
    expect(page.locator("ul.news-list")).to_contain_text(past[0])
    screenshot(page, "events-da")


def test_accessibility_statement_from_footer(page):
    statement = _child("da", "AccessibilityStatementPage")
    visit(page, "/")

    page.locator("footer.site-footer").get_by_role("link", name="Tilgængelighedserklæring").click()

    expect(page).to_have_url(re.compile(rf"/{statement['slug']}/$"))
    expect(_h1(page)).to_have_text(statement["title"])
    expect(page.locator("main")).to_contain_text("tilgaengelighed@example.invalid")
    assert_accessible(page)
    screenshot(page, "accessibility-statement-da")


@pytest.mark.parametrize(
    "path, lang, heading",
    [
        ("/findes-ikke/", "da", "Vi kan ikke finde siden"),
        ("/en/does-not-exist/", "en", "We cannot find that page"),
    ],
    ids=["da", "en"],
)
def test_missing_page_shows_a_friendly_404(page, live_server, path, lang, heading):
    visit(page, path, expected_status=404)

    assert page.locator("html").get_attribute("lang") == lang
    expect(_h1(page)).to_have_text(heading)
    expect(page.locator(".site-header .brand__municipality")).to_have_text(MUNICIPALITY)
    screenshot(page, f"404-{lang}")

    # A way on: the front page in the same language, on this same site (not
    # on the host and port the Site record happens to be registered with).
    front_page = page.locator(".error-page a").first
    expected = f"{live_server.url}{'/' if lang == 'da' else '/en/'}"
    href = front_page.evaluate("a => a.href")
    assert href == expected, f"the 404 page's link to the front page goes to {href}, not {expected}"
    front_page.click()
    expect(page).to_have_url(expected)
    expect(_h1(page)).to_have_text(_spec(lang)["hero_heading"])
    assert_accessible(page)
