"""The grader's side of check(): reports are untrusted JSON, validated to exact types
and shapes, and compared with the solution's using the solution's tolerances."""

import math

import numpy as np
import pytest

from micrograd_nb import tensor
from micrograd_nb.grading.checks import REPORT_MIME, encode
from micrograd_nb.grading.reports import MalformedReport, Numbers, decode, differences


def content(value, nonce="n", rtol=1e-4, atol=1e-6, index=0):
    return {"data": {REPORT_MIME: {"nonce": nonce, "index": index, "value": value,
                                   "rtol": rtol, "atol": atol}}}


def roundtrip(value):
    return decode(content(encode(value)), "n").value


def test_values_travel_as_tagged_plain_json():
    assert roundtrip(None) is None
    assert roundtrip(True) is True
    assert roundtrip("text") == "text"
    assert roundtrip(2).array.shape == ()
    assert roundtrip(tensor([[1.0, 2.0]])).array.tolist() == [[1.0, 2.0]]
    assert roundtrip([1, 2.5]).array.tolist() == [1.0, 2.5]
    assert roundtrip(np.array([math.inf, -math.inf])).array.tolist() == [math.inf, -math.inf]
    assert math.isnan(roundtrip(float("nan")).array)
    assert roundtrip([tensor(1.0), "a"])[1] == "a"
    assert roundtrip({"a": None}) == {"a": None}


def test_other_display_data_and_other_nonces_are_not_reports():
    assert decode({"data": {"text/plain": "4.0"}}, "n") is None
    assert decode(content(encode(1.0), nonce="guess"), "n") is None
    assert decode("not a dict", "n") is None


@pytest.mark.parametrize("value", [
    {"kind": "array", "shape": [3], "data": [1.0]},  # would broadcast
    {"kind": "array", "shape": [2], "data": [True, False]},
    {"kind": "array", "shape": [1], "data": ["1e309"]},
    {"kind": "array", "shape": [-1], "data": []},
    {"kind": "array", "shape": [10**9], "data": []},
    {"kind": "bool", "value": 1},
    {"kind": "float", "value": 1.0},
    {"kind": "list", "items": "abc"},
    "4.0",
])
def test_malformed_reports_are_rejected(value):
    with pytest.raises(MalformedReport):
        decode(content(value), "n")


def test_deep_nesting_is_rejected():
    value = {"kind": "none"}
    for _ in range(50):
        value = {"kind": "list", "items": [value]}
    with pytest.raises(MalformedReport):
        decode(content(value), "n")


@pytest.mark.parametrize("tolerance", [{"rtol": 1}, {"atol": -1.0}, {"rtol": "0.1"}])
def test_bad_tolerances_are_rejected(tolerance):
    with pytest.raises(MalformedReport):
        decode(content(encode(1.0), **tolerance), "n")


def numbers(*values):
    return Numbers(np.array(values, dtype=float))


def test_numbers_must_match_shape_and_values():
    assert differences(numbers(1.0, 2.0), numbers(1.0, 2.0 + 1e-7), 1e-4, 1e-6) is None
    assert "differs" in differences(numbers(1.0, 2.0), numbers(1.0, 2.1), 1e-4, 1e-6)
    assert "shape (2,)" in differences(numbers(1.0, 2.0), numbers(1.0, 2.0, 3.0), 1e-4, 1e-6)
    assert differences(numbers(math.nan), numbers(math.nan), 1e-4, 1e-6) is None
    assert differences(numbers(math.inf), numbers(-math.inf), 1e-4, 1e-6)


def test_kinds_must_match():
    assert differences(None, numbers(0.0), 1e-4, 1e-6)
    assert differences(True, numbers(1.0), 1e-4, 1e-6)
    assert differences(numbers(1.0), True, 1e-4, 1e-6)
    assert differences(["a"], ["a", "b"], 1e-4, 1e-6)
    assert differences({"a": numbers(1.0)}, {"b": numbers(1.0)}, 1e-4, 1e-6)


def test_messages_do_not_reveal_the_expected_numbers():
    message = differences(numbers(4.125, -8.5), numbers(0.0, 0.0), 1e-4, 1e-6)
    assert "4.125" not in message and "8.5" not in message


@pytest.mark.parametrize("expected, got, says", [
    ((1.25, 2.5, 3.75), (-1.25, -2.5, -3.75), "every element differs; yours has the opposite sign"),
    ((1.25, 2.5, 3.75), (2.5, 5.0, 7.5), "yours is larger in magnitude, by the same factor"),
    ((1.25, 2.5, 3.75), (0.625, 1.25, 1.875), "yours is smaller in magnitude, by the same"),
    ((1.25, 2.5, 3.75), (0.0, 0.0, 0.0), "yours is 0 there, the solution's is not"),
    ((1.25, 2.5, 3.75), (1.25, 2.5, math.nan), "1 of 3 elements differ, the first at index (2,)"),
    ((1.25, 2.5, 3.75), (1.25, 2.5, math.nan), "yours has nan where the solution has numbers"),
    ((0.0, 0.0), (1.5, -1.5), "yours is not 0 there, the solution's is"),
    ((1.25, -2.5, 3.75), (2.0, -1.0, 3.75), "2 of 3 elements differ, the first at index (0,)"),
    ((1.25, -2.5, 3.75), (2.0, -1.0, 3.75), "larger in some places and smaller in others"),
    ((2.25,), (-2.25,), "yours has the opposite sign"),
])
def test_a_wrong_value_says_in_what_way_it_differs(expected, got, says):
    message = differences(numbers(*expected), numbers(*got), 1e-4, 1e-6)
    assert message.startswith("the value differs from the solution's: ")
    assert says in message
    for number in expected:  # the solution's numbers are never in the message (0 is said)
        if number not in got and number != 0:
            assert f"{abs(number):g}" not in message
