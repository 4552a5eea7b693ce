"""Provider text on Welsh pages: Welsh where the provider gave it, English marked and labelled where not."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from directory.bilingual import has_language_versions, translated_text
from tests.factories import AreaFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NOTE_CY = "Ddim ar gael yn Gymraeg"

def _render(source: str, **context) -> str:
    return Template("{% load bilingual %}" + source).render(Context(context))

def test_a_welsh_page_shows_the_welsh_text_the_provider_gave():
    service = ServiceFactory(description_en="Support for children.", description_cy="Cymorth i blant.")
    with translation.override("cy"):
        assert translated_text(service, "description").text == "Cymorth i blant."
        html = _render('{% translated_field service "description" %}', service=service)
    assert "Cymorth i blant." in html
    assert 'lang="en"' not in html and NOTE_CY not in html

def test_a_welsh_page_falls_back_to_english_and_says_so():
    service = ServiceFactory(description_en="Support for children.", description_cy="")
    with translation.override("cy"):
        result = translated_text(service, "description")
        html = _render('{% translated_field service "description" %}', service=service)
    assert (result.text, result.lang, result.is_fallback) == ("Support for children.", "en", True)
    assert '<div class="sm-provider-text" lang="en"><p>Support for children.</p></div>' in html
    assert html.index(NOTE_CY) < html.index("Support for children.")
    assert NOTE_CY in html

def test_inline_fallback_marks_the_english_and_adds_a_short_note():
    service = ServiceFactory(name_en="Riverside therapy", name_cy="")
    with translation.override("cy"):
        html = _render('{% translated_field service "name" inline=True %}', service=service)
        attr = _render('<h1{% lang_attr service "name" %}>{{ service.name }}</h1>', service=service)
    assert '<span lang="en">Riverside therapy</span>' in html and "(ddim ar gael yn Gymraeg)" in html
    assert attr == '<h1 lang="en">Riverside therapy</h1>'

def test_english_pages_never_show_the_note():
    service = ServiceFactory(description_en="Support for children.", description_cy="")
    with translation.override("en"):
        html = _render('{% translated_field service "description" %}{% lang_attr service "name" %}', service=service)
    assert "Support for children." in html
    assert "Welsh" not in html and "lang=" not in html

def test_an_empty_field_is_not_called_a_fallback():
    service = ServiceFactory(eligibility_en="", eligibility_cy="")
    with translation.override("cy"):
        result = translated_text(service, "eligibility")
    assert result.is_fallback is False and result.text == ""

def test_a_field_without_translations_is_read_plainly():
    service = ServiceFactory(referral_phone="01234 567890")
    with translation.override("cy"):
        assert translated_text(service, "referral_phone").text == "01234 567890"

def test_it_shortens_and_styles_block_text_on_request():
    service = ServiceFactory(how_to_refer_en="one two three four five", how_to_refer_cy="un dau tri pedwar pump")
    with translation.override("cy"):
        html = _render('{% translated_field service "how_to_refer" words=2 css="govuk-body-s" %}', service=service)
    assert html.strip() == '<div class="sm-provider-text govuk-body-s"><p>un dau …</p></div>'

@pytest.mark.parametrize(
    ("language", "expected"), [("cy", "Caerdydd|Caerdydd|Caerdydd|Powys"), ("en", "Cardiff|Cardiff|Cardiff|Powys")]
)
def test_area_names_follow_the_page_language_for_models_rows_and_dicts(wales_areas, language, expected):

    cardiff = wales_areas["W06000015"]
    row = type("Row", (), {"name": "Cardiff", "name_cy": "Caerdydd"})()  # like the gaps module's rows
    source = "{{ a|area_name }}|{{ row|area_name }}|{{ d|area_name }}|{{ no_welsh|area_name }}"
    with translation.override(language):
        html = _render(source, a=cardiff, row=row, d={"name": "Cardiff", "name_cy": "Caerdydd"},
                       no_welsh={"name": "Powys", "name_cy": ""})
    assert html == expected


def test_the_search_lists_local_authorities_in_the_order_of_the_page_language(wales_areas):
    from directory.selectors import local_authority_choices

    with translation.override("cy"):
        welsh = [a.display_name for a in local_authority_choices()]
    with translation.override("en"):
        english = [a.display_name for a in local_authority_choices()]
    assert welsh == sorted(welsh) and english == sorted(english)
    assert welsh.index("Caerdydd") < welsh.index("Casnewydd") and english.index("Cardiff") < english.index("Newport")


@pytest.mark.parametrize(("path", "expected"), [
    ("/", True), ("/cy", True), ("/search/?la=W06000015", True), ("/cy/privacy/", True), ("/admin/", True),
    ("/no-such-page/", True),  # the language-prefixed site's 404: the same 404 in Welsh
    ("/api/docs/", False), ("/api/schema/?format=json", False), ("/api/oruk/services", False),
    ("/api/no-such-thing/", False), ("/static/css/servicemap.css", False), ("/robots.txt", False),
    ("/cy/api/docs/", False), ("/cy/static/x.css", False),
])
def test_only_the_language_prefixed_sites_addresses_have_an_address_in_each_language(path, expected):
    assert has_language_versions(path) is expected


@pytest.mark.django_db
def test_an_area_with_no_welsh_name_is_marked_english_where_welsh_pages_list_a_services_areas(client):
    # A service that reaches over the border: the English county, shown by its English name on a Welsh
    # page, was read by a screen reader with Welsh sounds. The Welsh-named area is the page's language.
    welsh = AreaFactory(code="W06000005", name="Flintshire", name_cy="Sir y Fflint")
    english = AreaFactory(code="E06000050", name="Cheshire West and Chester", name_cy="")
    service = ServiceFactory()
    service.coverage_areas.set([welsh, english])
    client.post("/shortlist/add/", {"service": str(service.public_id)})
    marked = '<span lang="en">Cheshire West and Chester</span>'

    for path in (f"/cy/services/{service.public_id}/", "/cy/shortlist/", "/cy/services/"):
        html = client.get(path).content.decode()
        assert marked in html, path
        assert "Sir y Fflint" in html and '<span lang="en">Flintshire' not in html, path
    for path in (f"/services/{service.public_id}/", "/shortlist/", "/services/"):
        html = client.get(path).content.decode()
        assert "Cheshire West and Chester" in html and marked not in html, path  # English on an English page
