"""The search form shares its fields between forms, the local authority field per language (with
the list in that language) (directory/forms.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from directory.forms import AGE_INVALID, AGE_PLACES, AGE_RANGE, UNKNOWN_CHOICE, WAIT_INVALID, SearchForm
from tests.factories import AreaFactory


def test_forms_share_their_fields_and_the_local_authority_field_per_language():
    first, second = SearchForm(), SearchForm()
    with translation.override("cy"):
        welsh = SearchForm()

    assert first.fields is not second.fields
    assert first.fields["postcode"] is second.fields["postcode"] is welsh.fields["postcode"]
    assert first.fields["la"] is second.fields["la"]
    assert welsh.fields["la"] is not first.fields["la"]
    assert list(first.fields) == list(SearchForm.base_fields)


@pytest.mark.django_db
def test_each_form_lists_the_local_authorities_in_its_language():
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    AreaFactory(code="W06000022", name="Newport", name_cy="Casnewydd")
    AreaFactory(code="W06000011", name="Swansea", name_cy="Abertawe")

    with translation.override("cy"):
        welsh = [label for _value, label in SearchForm().fields["la"].choices]
    english = [label for _value, label in SearchForm().fields["la"].choices]
    with translation.override("cy"):
        welsh_again = [label for _value, label in SearchForm().fields["la"].choices]

    assert welsh[1:] == ["Abertawe", "Caerdydd", "Casnewydd"]
    assert english[1:] == ["Cardiff", "Newport", "Swansea"]
    assert welsh_again == welsh


@pytest.mark.django_db
def test_shared_fields_validate_each_form_on_its_own_data():
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    bad = SearchForm(MultiValueDict({"la": ["W06000015"], "age": ["30"], "abuse_form": ["nope"]}))
    good = SearchForm(MultiValueDict({"la": ["W06000015"], "age": ["9"], "abuse_form": ["cse"]}))

    assert not bad.is_valid() and good.is_valid()
    assert bad.errors["age"] == [str(AGE_RANGE)]
    assert bad.errors["abuse_form"] == [str(UNKNOWN_CHOICE) % {"value": "nope"}]
    assert good.cleaned_data["abuse_form"] == ["cse"] and good.place.lad_code == "W06000015"


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "error"), [
    ("10.25", None), ("17.99", None), ("3.25", None), ("9.5", None), ("0", None), ("25", None),
    ("3.125", AGE_PLACES), ("25.5", AGE_RANGE), ("100", AGE_RANGE), ("-1", AGE_RANGE), ("abc", AGE_INVALID),
])
def test_an_age_with_up_to_two_decimal_places_is_taken_and_each_refusal_says_why(typed, error):
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    form = SearchForm(MultiValueDict({"la": ["W06000015"], "age": [typed]}))

    assert form.is_valid() is (error is None)
    if error is None:
        assert form.cleaned_data["age"] == Decimal(typed)
    else:
        assert form.errors["age"] == [str(error)]


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "age"), [
    ("9 years", "9"), ("9 Years old", "9"), ("9yrs", "9"), ("9 yr", "9"), ("9y", "9"), ("9.5 years", "9.5"),
    ("9 oed", "9"), ("9 mlwydd oed", "9"), ("9 blwydd", "9"), ("12 mlynedd", "12"),
])
def test_an_age_typed_with_years_after_it_is_taken(typed, age):
    """The hint says "In years", and "9 years" (or "9 oed") was refused as not a number."""
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    form = SearchForm(MultiValueDict({"la": ["W06000015"], "age": [typed]}))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["age"] == Decimal(age)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["years", "nine years", "9 years 3", "9,5", "9 1/2"])
def test_an_age_in_other_words_is_still_refused_as_not_a_number(typed):
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    form = SearchForm(MultiValueDict({"la": ["W06000015"], "age": [typed]}))

    assert form.errors["age"] == [str(AGE_INVALID)]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", [
    "6 months", "9 Months old", "18 mths", "6mo", "6m", "six months", "1 year 6 months", "6 weeks", "10 wks",
    "6 mis", "18 mis oed", "dau fis", "misoedd", "6 wythnos",
])
@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Enter the child's age in years, like 9 or 1.5. For a baby under 1, enter 0"),
    ("cy", "Rhowch oedran y plentyn mewn blynyddoedd, er enghraifft 9 neu 1.5. Ar gyfer babi dan 1 oed, rhowch 0"),
])
def test_an_age_in_months_or_weeks_says_to_give_it_in_years_and_how_for_a_baby(typed, language, expected):
    # A social worker with a baby types months: "Enter the child's age as a number, like 9" said not how.
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    with translation.override(language):
        form = SearchForm(MultiValueDict({"la": ["W06000015"], "age": [typed]}))
        assert form.errors["age"] == [expected]


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "weeks"), [("8 weeks", 8), ("8 wks", 8), ("8w", 8), ("8 wythnos", 8), ("8", 8)])
def test_a_longest_wait_typed_with_weeks_after_it_is_taken(typed, weeks):
    """The label says "in weeks", and "8 weeks" was refused as not a whole number of weeks (the
    provider's wait box already took it)."""
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    form = SearchForm(MultiValueDict({"la": ["W06000015"], "max_wait": [typed]}))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["max_wait"] == weeks


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2 months", "eight weeks", "weeks", "8.5 weeks"])
def test_a_longest_wait_in_other_words_is_still_refused_with_how_to_write_it(typed):
    AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    form = SearchForm(MultiValueDict({"la": ["W06000015"], "max_wait": [typed]}))

    assert form.errors["max_wait"] == [str(WAIT_INVALID)]


@pytest.mark.django_db
def test_the_local_authority_is_read_once_per_directory_version_and_a_change_to_it_is_seen():
    """A search that names a local authority (as every search from a cut postcode in a split
    sector does) takes it from this process's copy, not a query per search; saving an area changes
    the directory's version, so the next search sees the change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cardiff = AreaFactory(code="W06000015", name="Cardiff", name_cy="Caerdydd")
    SearchForm(MultiValueDict({"la": ["W06000015"]})).is_valid()

    with CaptureQueriesContext(connection) as asked:
        form = SearchForm(MultiValueDict({"la": ["W06000015"], "age": ["9"]}))
        assert form.is_valid(), form.errors
    cardiff.name = "Cardiff (renamed)"
    cardiff.save()
    renamed = SearchForm(MultiValueDict({"la": ["W06000015"]}))
    unknown = SearchForm(MultiValueDict({"la": ["W06000099"]}))

    assert form.cleaned_data["la"].code == "W06000015"
    assert not [q["sql"] for q in asked.captured_queries if "directory_area" in q["sql"]]
    assert renamed.is_valid() and renamed.cleaned_data["la"].name == "Cardiff (renamed)"
    assert not unknown.is_valid() and unknown.errors["la"]


@pytest.mark.django_db
def test_a_part_postcode_with_an_authority_chosen_outside_wales_is_placed_without_reading_unit_postcodes():
    """Whether a chosen authority holds part of a sector is asked of the unit postcodes only for a
    Welsh authority (the only ones they hold): a search from a cut sector with an English or
    Scottish authority chosen, most of the national searches, reads the sector's row alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory.models import PostcodeDistrict
    from tests.factories import PostcodeFactory

    AreaFactory(code="E06000019", name="Herefordshire", name_cy="Swydd Henffordd")
    AreaFactory(code="E06000051", name="Shropshire", name_cy="Swydd Amwythig")
    AreaFactory(code="W06000023", name="Powys", name_cy="Powys")
    PostcodeDistrict.objects.create(prefix="HR3 5", latitude=52.07, longitude=-3.1, lad_code="E06000019", lad_share=0.8)
    PostcodeFactory(postcode="HR3 5AA", latitude=52.07, longitude=-3.12, lad_code="W06000023")
    SearchForm(MultiValueDict({"la": ["E06000051"]})).is_valid()  # the authorities read for this version

    powys = SearchForm(MultiValueDict({"postcode": ["HR3 5"], "la": ["W06000023"]}))
    with CaptureQueriesContext(connection) as asked:
        shropshire = SearchForm(MultiValueDict({"postcode": ["HR3 5"], "la": ["E06000051"]}))
        assert shropshire.is_valid(), shropshire.errors

    assert powys.is_valid() and powys.place.postcode_elsewhere == ""  # Powys holds part of HR3 5
    assert shropshire.place.postcode_elsewhere == "Herefordshire"
    assert shropshire.place.lad_code == "E06000051" and shropshire.place.point == (52.07, -3.1)
    assert not [q["sql"] for q in asked.captured_queries if '"directory_postcode"' in q["sql"]]
