"""The search result card's per-search part, built in Python (directory/result_card.py), must match
templates/directory/includes/result.html byte for byte, in English and Welsh."""

from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from directory import result_card
from directory.search_cache import Holes

CARD = {name: mark_safe(f"<!--{name}-->") for name in ("head", "ages", "rows", "delivery", "tail")}
TAGS = [
    [],
    [("Sexual abuse within the family", True)],
    [("Online <abuse> & grooming", False), ("Child sexual exploitation", True), ("Harmful sexual behaviour", False)],
]
DISTANCES = [(None, 0), (0.04, 1), (3.25, 1), (12.0, 2), (104.96, 3)]
GROUPS = ["local", "nearby", "fallback"]
KINDS = [(False, False), (True, False), (True, True)]  # (kind_helpline, lists_an_area)


def _results() -> list[SimpleNamespace]:
    results = []
    combos = itertools.product(GROUPS, KINDS, DISTANCES, range(len(TAGS)))
    for n, (group, (helpline, lists_area), (km, bases), tags) in enumerate(combos):
        service = SimpleNamespace(public_id=uuid.UUID(int=n), name=f"Service <{n}> & co", kind_helpline=helpline,
                                  lists_an_area=lists_area)
        results.append(SimpleNamespace(
            service=service, card=CARD, is_local=group == "local", is_nearby=group == "nearby",
            is_fallback=group == "fallback", distance_km=km, locations=[object()] * bases,
            abuse_form_tags=TAGS[tags], audience_tags=TAGS[-1 - tags],
        ))
    return results


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_card_matches_the_include(language):
    outcome = SimpleNamespace(area=SimpleNamespace(name="Rhondda Cynon Taf & <Merthyr>"))
    with translation.override(language):
        strings = result_card.PageStrings.for_area(outcome.area.name)
        for result in _results():
            token = "t" * 32
            expected = render_to_string("directory/includes/result.html",
                                        {"result": result, "outcome": outcome, "holes": Holes(token=token)})
            assert result_card.card_html(result, strings, Holes(token=token).shortlist_button(result.service)) == expected


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_tag_renders_a_page_of_cards_as_the_include(language):
    results = _results()
    outcome = SimpleNamespace(area=SimpleNamespace(name="Powys"))
    tag = Template("{% load directory_extras %}{% for result in results %}{% search_result_card result %}{% endfor %}")
    include = Template('{% for result in results %}{% include "directory/includes/result.html" %}{% endfor %}')
    with translation.override(language):
        expected = include.render(Context({"results": results, "outcome": outcome, "holes": Holes(token="h" * 32)}))
        got = tag.render(Context({"results": results, "outcome": outcome, "holes": Holes(token="h" * 32)}))
    assert got == expected
    assert got.count("<article") == len(results)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_distance_text_is_floatformat_one_place(language):
    """The card writes distances without the filter's general path; the text must be the filter's
    (half up from the float's repr, the language's decimal separator), or cards and template differ."""
    import random

    from django.template.defaultfilters import floatformat
    from django.utils import translation

    rng = random.Random(7)
    values = [rng.uniform(0, 1200) for _ in range(5000)] + [i / 100 for i in range(2000)]
    values += [0.0, 0.05, 0.15, 0.25, 2.25, 1e-05, 99.95, 1234.56]
    with translation.override(language):
        separator = result_card.PageStrings.for_area("Powys").decimal_separator
        assert [result_card.km_text(v, separator) for v in values] == [str(floatformat(v, "1")) for v in values]


@pytest.mark.parametrize(("language", "not_stated"), [("en", "Not stated"), ("cy", "Heb ei nodi")])
def test_a_service_listing_no_form_of_abuse_says_not_stated_on_its_card(language, not_stated):
    """An imported record may list none of our forms of abuse: "Works with" had nothing beside it."""
    result = next(r for r in _results() if r.abuse_form_tags == [])
    with translation.override(language):
        html = result_card.card_html(result, result_card.PageStrings.for_area("Powys"), "")
    works_with = html.split('<ul class="sm-tag-list">', 1)[1].split("</ul>", 1)[0]
    assert works_with == f"<li>{not_stated}</li>"
