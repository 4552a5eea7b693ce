"""The one check both APIs make of the parameters a request names (pure: no database)."""

from __future__ import annotations

import pytest

from directory.oruk.params import ParameterError
from directory.oruk.unknown_parameters import refuse_repeated, refuse_unknown

KNOWN = ["layer", "age", "view"]


def test_known_parameters_pass():
    refuse_unknown(["layer", "age"], KNOWN, "/api/gaps/")


def test_the_first_unknown_one_is_named_with_a_guess_at_what_was_meant():
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["layer", "veiw", "colour"], KNOWN, "/api/gaps/")

    assert refused.value.parameter == "veiw"
    assert refused.value.message == "Unknown parameter 'veiw'. Did you mean view? /api/gaps/ takes: layer, age, view."


def test_no_guess_for_a_name_like_none_of_them():
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["colour"], KNOWN, "/api/gaps/")

    assert refused.value.message == "Unknown parameter 'colour'. /api/gaps/ takes: layer, age, view."


def test_an_endpoint_taking_none_says_so():
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["full"], [], "/services/1")

    assert refused.value.message == "Unknown parameter 'full'. /services/1 takes no parameters."


def test_an_explained_name_gets_its_own_message_in_the_order_asked():
    explained = {"proximity": "Not offered: use postcode."}
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["proximity", "colour"], KNOWN, "/services", explained=explained)

    assert (refused.value.parameter, refused.value.message) == ("proximity", "Not offered: use postcode.")
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["colour", "proximity"], KNOWN, "/services", explained=explained)
    assert refused.value.parameter == "colour"


def test_where_may_be_a_function_called_only_to_word_a_refusal():
    # The ORUK API's reverses a URL (~0.3 ms): every request with known parameters would pay for it.
    asked = []

    def where() -> str:
        asked.append(1)
        return "/services"

    refuse_unknown(["layer"], KNOWN, where)
    assert asked == []
    with pytest.raises(ParameterError) as refused:
        refuse_unknown(["colour"], KNOWN, where)
    assert refused.value.message == "Unknown parameter 'colour'. /services takes: layer, age, view."


def test_a_parameter_given_twice_with_two_values_is_refused_naming_both():
    with pytest.raises(ParameterError) as refused:
        refuse_repeated({"layer": ["all"], "per_page": ["10", "100"]})

    assert refused.value.parameter == "per_page"
    assert refused.value.message == "per_page is given 2 times ('10', '100'); give it once."


def test_the_same_value_twice_or_a_repeatable_parameter_passes():
    refuse_repeated({"lang": ["cy", "cy"], "abuse_form": ["cse", "online"]}, repeatable=["abuse_form"])
