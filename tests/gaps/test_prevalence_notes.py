"""The prevalence option's limits are stated wherever its figures go: the figure is of abuse before 16,
applying it to every child aged 0–17 is an approximation, and it changes the units, not the ranking
(the gaps method's demand model, §2)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

STATED = {
    "en": ("experience sexual abuse before 16",
           "The figure is of sexual abuse before the age of 16, but it is applied here to all children aged 0–17, "
           "so the estimate is an approximation.",
           "it changes the units, not the ranking of areas"),
    "cy": ("yn profi cam-drin rhywiol cyn 16 oed",
           "Mae'r ffigur yn ymwneud â cham-drin rhywiol cyn 16 oed, ond fe'i cymhwysir yma i bob plentyn 0–17 oed, "
           "felly brasamcan yw'r amcangyfrif.",
           "mae'n newid yr unedau, nid trefn yr ardaloedd"),
}


def _words(text: str) -> str:
    return " ".join(text.replace("&#x27;", "'").replace("&#39;", "'").split())


def _csv_notes(response) -> str:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return " ".join(" ".join(row) for row in rows if len(row) >= 2 and not row[0].startswith("W"))


@pytest.mark.parametrize(("language", "prefix"), [("en", ""), ("cy", "/cy")])
def test_the_page_and_the_csv_state_the_prevalence_figures_ages_and_limits(client, wales_areas, language, prefix):
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    page = _words(client.get(f"{prefix}/gaps/", {"need": "prevalence"}).content.decode())
    notes = _words(_csv_notes(client.get(f"{prefix}/gaps/data.csv", {"need": "prevalence"})))

    for statement in STATED[language]:
        assert statement in page
        assert statement in notes


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_api_states_the_prevalence_figures_ages_and_limits(client, wales_areas, language):
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    method = client.get("/api/gaps/", {"need": "prevalence", "lang": language}).json()["notes"]["method"]

    for statement in STATED[language]:
        assert statement in _words(method)


def test_children_aged_0_17_are_not_called_an_approximation(client, wales_areas):
    page = _words(client.get("/gaps/").content.decode())
    assert "approximation" not in page


@pytest.mark.parametrize(("prefix", "said"), [
    ("", "Estimated children who will experience sexual abuse before 16 (at least): 7,382, one in ten of them"),
    ("/cy", "Amcangyfrif o'r plant a fydd yn profi cam-drin rhywiol cyn 16 oed (o leiaf): 7,382, un o bob deg ohonynt"),
])
def test_an_area_page_reached_from_the_prevalence_map_states_the_estimate_its_figures_divide_by(
        client, wales_areas, prefix, said):
    # Its figures were per 10,000 estimated abused children, beside only "Children aged 0–17: 73,816".
    ServiceFactory(coverage=[wales_areas["W06000015"]])
    page = _words(client.get(f"{prefix}/gaps/area/W06000015/", {"need": "prevalence"}).content.decode())
    assert said in page
    assert "7,382" not in _words(client.get(f"{prefix}/gaps/area/W06000015/").content.decode())
