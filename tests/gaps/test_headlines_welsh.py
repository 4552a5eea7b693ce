"""The headlines' support in Welsh: which areas have no service for children offering support in
Welsh (the Welsh Government's "active offer"), on the page and in its CSV; and the short hints
under the gaps tables, whose full explanation is in the Method note."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import translation

from directory.models import WALES_CODE, Area
from gaps import csv_columns, notes
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

CONWY, GWYNEDD, CARDIFF = "W06000003", "W06000002", "W06000015"
NORTH_WALES = "north-wales"


@pytest.fixture
def directory(wales_areas):
    """Conwy: one service in Welsh and one not; Gwynedd: one not in Welsh; Cardiff: one in Welsh."""
    ServiceFactory(name="Conwy in Welsh", coverage=[wales_areas[CONWY]], welsh_available=True)
    ServiceFactory(name="Conwy in English", coverage=[wales_areas[CONWY]])
    ServiceFactory(name="Gwynedd in English", coverage=[wales_areas[GWYNEDD]])
    ServiceFactory(name="Cardiff in Welsh", coverage=[wales_areas[CARDIFF]], welsh_available=True)
    return wales_areas


def _section(body: str) -> str:
    start = body.index('id="welsh"')
    return body[start:body.index('id="waits"', start)]


def _north_wales() -> list[str]:
    return list(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, parents__code=NORTH_WALES)
                .order_by("name").values_list("code", flat=True))


@pytest.mark.parametrize(("lang", "heading", "none_in"), [
    ("", "Support for children in Welsh", "No support for children in Welsh in"),
    ("/cy", "Cymorth i blant yn Gymraeg", "Dim cymorth i blant yn Gymraeg yn"),
])
def test_the_headlines_name_the_areas_with_no_support_in_welsh_and_list_them_first(client, directory, lang, heading,
                                                                                    none_in):
    response = client.get(f"{lang}/gaps/headlines/", {"region": NORTH_WALES})
    section = _section(response.content.decode())
    assert f">{heading}</h2>" in section
    members = _north_wales()
    # Every North Wales local authority but Conwy has none, named in the list; Conwy comes last in the table.
    none = [a.code for a in response.context["welsh_none"]]
    assert sorted(none) == [c for c in sorted(members) if c != CONWY]
    gwynedd = Area.objects.get(code=GWYNEDD)
    listed = section[section.index(none_in):section.index("</li>")]
    assert f"<strong>{gwynedd.name_cy if lang else gwynedd.name}</strong>" in listed
    assert "Conwy" not in listed
    rows = [r["area"].code for r in response.context["in_welsh"]]
    assert rows == [*none, CONWY]
    # Conwy's row: 1 service in Welsh of its 2 children's services, linked to its page.
    conwy = re.search(rf'href="{lang}/gaps/area/{CONWY}/[^"]*">[^<]+</a></th>\s*'
                      r'<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>', section)
    assert conwy.groups() == ("1", "2")
    # Under the areas: the region as a whole, then Wales, which has 2 services in Welsh.
    summaries = response.context["in_welsh_summaries"]
    assert [s["area"].code for s in summaries] == [NORTH_WALES, WALES_CODE]
    assert summaries[1]["welsh"].n_services == 2 and summaries[1]["area"].n_services == 4


def test_with_support_in_welsh_everywhere_the_headlines_say_so(client, wales_areas):
    ServiceFactory(coverage=[wales_areas[WALES_CODE]], welsh_available=True)
    section = _section(client.get("/gaps/headlines/").content.decode())
    assert "No support for children in Welsh in: none — every area has some" in section


def _csv(response) -> tuple[dict[str, str], list[dict[str, str]]]:
    text = response.content.decode("utf-8-sig")
    header, _blank, table = text.partition("\r\n\r\n")
    return dict(row[:2] for row in csv.reader(io.StringIO(header)) if len(row) > 1), list(
        csv.DictReader(io.StringIO(table)))


@pytest.mark.parametrize("lang", ["", "/cy"])
def test_the_headlines_csv_has_each_areas_services_in_welsh_and_says_what_they_are(client, directory, lang):
    header, rows = _csv(client.get(f"{lang}/gaps/headlines/data.csv", {"region": NORTH_WALES}))
    by_code = {r["area_code"]: r for r in rows}
    assert (by_code[CONWY]["welsh_services"], by_code[CONWY]["covering_services"]) == ("1", "2")
    assert (by_code[GWYNEDD]["welsh_services"], by_code[GWYNEDD]["welsh_normalised"]) == ("0", "0.0000")
    assert float(by_code[CONWY]["welsh_normalised"]) > 1
    assert by_code[WALES_CODE]["welsh_services"] == "2"
    with translation.override("cy" if lang else "en"):
        assert header["welsh_services"] == str(csv_columns.HEADLINES["welsh_services"])
        assert header["welsh_normalised"] == str(csv_columns.HEADLINES["welsh_normalised"])
    assert ("Gymraeg" if lang else "Welsh") in header["welsh_services"]


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_hints_under_the_tables_are_one_sentence_each_the_method_note_the_rest(lang):
    """The Welsh hints were some 16 lines on a 375px phone: one sentence each, with the link to the
    Method note, which keeps the Wales row's full explanation (test_views: …method_note_says…)."""
    with translation.override(lang):
        for key, hint in notes.HINTS.items():
            text = str(hint)
            assert text.endswith(".") and ". " not in text and ": " not in text.partition(":")[2], key
            assert len(text) < 180, key
        assert str(notes.HINTS["wales_row"]) != str(notes.WALES_ROW)
