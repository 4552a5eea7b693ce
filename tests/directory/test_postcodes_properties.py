"""Property-based tests (hypothesis) of the postcode parser: any text in, never an exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.postcodes import ParsedPostcode, lookup_postcode, parse_postcode

# No district ends in O or I (the parser reads either there as a digit typed wrongly).
OUTWARD = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-HJ-NP-Z0-9]?\Z")
INWARD = st.from_regex(r"\A[0-9][ABD-HJLNP-UW-Z]{2}\Z")
NORMALISED = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?( [0-9]([A-Z]{2})?)?$")


def respace(text: str, spaces: list[str]) -> str:
    """Put arbitrary whitespace between the characters (how people type postcodes)."""
    return "".join(ch + gap for ch, gap in zip(text, spaces + [""] * len(text), strict=False))


@settings(max_examples=400)
@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_without_an_exception(raw):
    parsed = parse_postcode(raw)
    assert parsed is None or isinstance(parsed, ParsedPostcode)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ABCDEFGHJKLMNPRSTUWXYZ0123456789 \t"), max_size=12))
def test_whatever_parses_is_normalised_and_reparses_to_itself(raw):
    parsed = parse_postcode(raw)
    if parsed is not None:
        assert NORMALISED.match(parsed.text), parsed.text
        assert parsed.text.startswith(parsed.outward)
        assert parse_postcode(parsed.text) == parsed


@settings(max_examples=300)
@given(OUTWARD, INWARD, st.lists(st.sampled_from(["", " ", "  ", "\t"]), max_size=8), st.booleans())
def test_a_unit_postcode_is_found_whatever_its_spacing_and_case(outward, inward, gaps, lower):
    typed = respace(outward + inward, gaps)
    parsed = parse_postcode(typed.lower() if lower else typed)
    assert parsed == ParsedPostcode("unit", f"{outward} {inward}", outward)


@settings(max_examples=200)
@given(OUTWARD, st.integers(0, 9), st.booleans())
def test_a_spaced_sector_and_a_district_are_recognised(outward, sector, lower):
    def case(s: str) -> str:
        return s.lower() if lower else s

    assert parse_postcode(case(f" {outward} {sector} ")) == ParsedPostcode("sector", f"{outward} {sector}", outward)
    assert parse_postcode(case(outward)) == ParsedPostcode("district", outward, outward)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=12), st.builds(lambda o, i: o + i, OUTWARD, INWARD)))
def test_looking_up_anything_that_parses_never_fails(raw):
    parsed = parse_postcode(raw)
    if parsed is not None:
        point = lookup_postcode(parsed)  # an empty table: nothing is found, nothing raises
        assert point is None
