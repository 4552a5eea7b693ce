"""The area page's table of covering services (gaps/coverage.py): pure, no database."""

from __future__ import annotations

import pytest
from django.utils import translation

from gaps import coverage, layers
from gaps.layers import Layer, ServiceRow

# The questions the area page shows, in its order: each question, then all support by age band.
AREA_LAYERS = [Layer(q) for q in layers.QUESTION_CODES] + [Layer("all", b) for b in layers.AGE_BAND_CODES]


def row(id_: int, name: str, **kw) -> ServiceRow:
    fields = dict(
        status="active", abuse_forms=frozenset(), supports_child=True, supports_parent_carer=False,
        supports_sibling=False, disclosure_required=True, pre_trial_therapy=False, age_min=0.0, age_max=17.0,
        capacity=None, la_codes=frozenset({"A"}),
    )
    fields.update(kw)
    return ServiceRow(id=id_, name=name, **fields)


def _sections(services: list[ServiceRow]) -> list[tuple[Layer, list[ServiceRow]]]:
    """Each question of the area page with the services it counts (as the layers' results give them)."""
    return [(layer, [s for s in services if layer.counts(s)]) for layer in AREA_LAYERS]


def test_every_question_of_the_area_page_has_one_place_in_the_columns():
    keys = [key for _heading, questions in coverage.COLUMNS for key, _label in questions]
    implied = {Layer("all", band).key for band in coverage.IMPLIED_BANDS}
    assert sorted(keys) == sorted(layer.key for layer in AREA_LAYERS if layer.key not in implied)


@pytest.mark.parametrize(("age_min", "age_max"), [(0, 4), (3, 7), (5, 10), (10, 11), (10.5, 17), (11, 17), (16, 25)])
def test_under_11_is_left_out_of_the_ages_only_where_under_5_or_5_to_10_says_it(age_min, age_max):
    # "under 11" is the union of "under 5" and "5 to 10": a service counts for it exactly when it
    # counts for one of those, so the Ages column says it by them ("5 to 10, 11 to 15, 16 and 17, under 11").
    service = row(1, "Service", age_min=age_min, age_max=age_max)
    [listed] = coverage.covering_services(_sections([service]))
    ages = listed.counts_for[-1]
    assert "under 11" not in ages
    assert Layer("all", "under_11").counts(service) == ("under 5" in ages or "5 to 10" in ages) == (age_min < 11)


def test_each_service_is_listed_once_with_the_questions_it_counts_for_column_by_column():
    # The page listed each service again under each of the 15 questions it counts for.
    family = row(1, "Family service", abuse_forms=frozenset({"intra_familial", "online"}), supports_parent_carer=True,
                 disclosure_required=False, pre_trial_therapy=True, age_min=4, age_max=12)
    parents = row(2, "parents' group", supports_child=False, supports_parent_carer=True)

    rows = coverage.covering_services(_sections([parents, family]))

    assert [r.service for r in rows] == [family, parents]  # by name, whatever the case
    assert rows[0].counts_for == (
        ("intra-familial", "online"),
        ("children", "parents and carers"),
        ("no verbal disclosure needed", "pre-trial therapy"),
        ("under 5", "5 to 10", "11 to 15"),
    )
    assert rows[1].counts_for == ((), ("parents and carers",), (), ())


def test_a_service_no_question_counts_in_the_area_is_not_listed():
    assert coverage.covering_services([(Layer("sibling"), [])]) == []


def test_the_labels_are_in_the_pages_language_and_the_services_ordered_by_their_names_in_it():
    first_in_welsh = row(1, "Zebra service", name_cy="Afon", abuse_forms=frozenset({"cse"}))
    other = row(2, "Bridge service", name_cy="Pont", supports_sibling=True)
    with translation.override("cy"):
        rows = coverage.covering_services(_sections([other, first_in_welsh]))
    assert [r.service.id for r in rows] == [1, 2]
    assert rows[0].counts_for[:2] == (("camfanteisio (CSE)",), ("plant",))
    assert rows[1].counts_for[1] == ("plant", "brodyr a chwiorydd")
