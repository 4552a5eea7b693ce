"""The research proportions the gaps pages quote ("about one in five" registered, "about two in
five" with no support) carry their source and its size wherever they go: the pages, the CSVs and
the API (gaps-method.md: every figure states its source, period and limits)."""

from __future__ import annotations

import pytest

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

STUDY = {
    "en": ("the social care records of 44 children in two Welsh local authorities",
           "commissioned by the Centre of expertise on child sexual abuse and the Welsh Government"),
    "cy": ("gofnodion gofal cymdeithasol 44 o blant mewn dau awdurdod lleol yng Nghymru",
           "a gomisiynwyd gan y Centre of expertise on child sexual abuse a Llywodraeth Cymru"),
}


def _words(text: str) -> str:
    return " ".join(text.replace("&#x27;", "'").replace("&#39;", "'").split())


@pytest.mark.parametrize(("language", "prefix"), [("en", ""), ("cy", "/cy")])
def test_the_pages_and_csvs_name_the_study_behind_the_proportions_they_quote(client, wales_areas, language, prefix):
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    for path in ("/gaps/headlines/", "/gaps/headlines/data.csv", "/gaps/", "/gaps/data.csv",
                 "/gaps/area/W06000015/"):
        text = _words(client.get(prefix + path).content.decode("utf-8-sig"))
        for part in STUDY[language]:
            assert part in text, (path, part)


def test_the_api_names_the_study_behind_the_proportions_it_quotes(client, wales_areas):
    source = _words(client.get("/api/gaps/").json()["notes"]["source"])
    assert all(part in source for part in STUDY["en"])


def test_the_headline_says_how_small_the_study_was_not_that_it_covered_wales(client, wales_areas):
    page = _words(client.get("/gaps/headlines/").content.decode())
    assert "A study of social care records in Wales found" not in page
    assert ("A study of the social care records of 44 children in two Welsh local authorities found about two "
            "in five children") in page


@pytest.mark.parametrize(("language", "prefix"), [("en", ""), ("cy", "/cy")])
def test_the_about_the_data_page_names_the_study_behind_one_in_five(client, language, prefix):
    # Its limits quote "about one in five registered" too; it said nothing of where that came from.
    page = _words(client.get(prefix + "/about-the-data/").content.decode())
    assert all(part in page for part in STUDY[language])


@pytest.mark.parametrize(("language", "prefix", "counted"), [
    ("en", "", "only a count, each month, of searches that found no service"),
    ("cy", "/cy", "dim ond cyfrif, bob mis, o'r chwiliadau na ddaeth o hyd i wasanaeth"),
])
def test_the_about_the_data_page_says_which_searches_are_counted(client, language, prefix, counted):
    # It said "searches are not stored" while the gaps pages publish monthly counts of searches
    # that found no local service (totals only, as the privacy notice says).
    page = _words(client.get(prefix + "/about-the-data/").content.decode())
    assert counted in page
