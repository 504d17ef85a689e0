"""The grader's side of ``check()``: read a report as untrusted JSON, then compare it
with the solution's report for the same check.

Everything here runs in the grader's process on values that ``json.loads`` built, so
no object of the student's can take part in a comparison: a report is validated down
to exact types (``type(x) is float``), sizes and shapes before a single number of it
is used, and anything malformed is simply a wrong answer.
"""

import math
from dataclasses import dataclass

import numpy as np

from .checks import MAX_DEPTH, MAX_ELEMENTS

_LARGEST_INT = 2**1023
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class MalformedReport(ValueError):
    """A report that is not what ``checks.encode`` writes."""


@dataclass(frozen=True)
class Report:
    """One decoded ``check()``: its position in the test cell, its value, and the
    tolerances it asked for (only the solution's are ever used)."""

    index: int
    value: object
    rtol: float
    atol: float


@dataclass(frozen=True)
class Numbers:
    """Any numeric value: a float64 array (shape () for a plain number)."""

    array: np.ndarray


@dataclass(frozen=True)
class Unsupported:
    """A value ``check`` could not encode; it never equals anything."""

    type_name: str


def decode(content, nonce):
    """The Report in a display_data ``content``, or None when it carries no report for
    this nonce. Raises MalformedReport for a report that does not parse."""
    from .checks import REPORT_MIME

    data = content.get("data") if type(content) is dict else None
    raw = data.get(REPORT_MIME) if type(data) is dict else None
    if raw is None:
        return None
    if type(raw) is not dict or raw.get("nonce") != nonce:
        return None
    index, rtol, atol = raw.get("index"), raw.get("rtol"), raw.get("atol")
    if type(index) is not int or not all(type(t) is float and t >= 0 for t in (rtol, atol)):
        raise MalformedReport("bad index or tolerances")
    return Report(index, _decode_value(raw.get("value"), 0), rtol, atol)


def _decode_value(obj, depth):
    if type(obj) is not dict or depth > MAX_DEPTH:
        raise MalformedReport("a value is not a tagged object")
    kind = obj.get("kind")
    if kind == "none":
        return None
    if kind == "bool" and type(obj.get("value")) is bool:
        return obj["value"]
    if kind == "str" and type(obj.get("value")) is str:
        return obj["value"]
    if kind == "array":
        return Numbers(_decode_array(obj.get("shape"), obj.get("data")))
    if kind == "list" and type(obj.get("items")) is list:
        return [_decode_value(v, depth + 1) for v in obj["items"]]
    if kind == "dict" and type(obj.get("items")) is list:
        pairs = obj["items"]
        if not all(type(p) is list and len(p) == 2 and type(p[0]) is str for p in pairs):
            raise MalformedReport("bad dict items")
        return {k: _decode_value(v, depth + 1) for k, v in pairs}
    if kind == "unsupported" and type(obj.get("type")) is str:
        return Unsupported(obj["type"])
    raise MalformedReport(f"unknown kind {kind!r}")


def _decode_array(shape, data):
    if type(shape) is not list or len(shape) > 32:
        raise MalformedReport("bad shape")
    if not all(type(d) is int and 0 <= d <= MAX_ELEMENTS for d in shape):
        raise MalformedReport("bad shape")
    size = math.prod(shape)
    if type(data) is not list or size > MAX_ELEMENTS or len(data) != size:
        raise MalformedReport("data does not fill the shape")
    numbers = []
    for x in data:
        if type(x) is float:
            numbers.append(x)
        elif type(x) is int:
            if abs(x) > _LARGEST_INT:  # float() of it would overflow
                raise MalformedReport("a number out of range")
            numbers.append(float(x))
        elif type(x) is str and x in _NON_FINITE:
            numbers.append(_NON_FINITE[x])
        else:
            raise MalformedReport("not a number")
    return np.array(numbers, dtype=np.float64).reshape(shape)


def differences(expected, got, rtol, atol, where="the value"):
    """Why ``got`` is not ``expected`` (a sentence), or None when they match. Messages
    describe the student's value and the expected type/shape, never expected numbers."""
    if isinstance(expected, Numbers):
        if not isinstance(got, Numbers):
            return f"{where} should be {_describe(expected)}, got {_describe(got)}"
        if got.array.shape != expected.array.shape:
            return f"{where} should be {_describe(expected)}, got {_describe(got)}"
        if not np.allclose(got.array, expected.array, rtol=rtol, atol=atol, equal_nan=True):
            return f"{where} differs from the solution's: " + _how_numbers_differ(
                expected.array, got.array, rtol, atol)
        return None
    if type(expected) is not type(got):
        return f"{where} should be {_describe(expected)}, got {_describe(got)}"
    if isinstance(expected, list):
        if len(got) != len(expected):
            return f"{where} should have {len(expected)} items, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            why = differences(e, g, rtol, atol, f"item {i} of {where}")
            if why:
                return why
        return None
    if isinstance(expected, dict):
        if set(got) != set(expected):
            return f"{where} should have the keys {sorted(expected)}"
        for key in expected:
            why = differences(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if why:
                return why
        return None
    if isinstance(expected, Unsupported) or expected != got:
        return f"{where} differs from the solution's"
    return None


def _how_numbers_differ(expected, got, rtol, atol):
    """Where and in what way ``got`` differs (which elements; sign, size, nan, zero),
    in words that never state the solution's numbers."""
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    parts = []
    if bad.size > 1:
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        count = "every element differs" if bad.all() else (
            f"{int(bad.sum())} of {bad.size} elements differ, the first at index {first}")
        parts.append(count)
    e, g = expected[bad], got[bad]
    with np.errstate(all="ignore"):
        if np.isnan(g).any() and not np.isnan(e).any():
            parts.append("yours has nan where the solution has numbers")
        elif np.isinf(g).any() and not np.isinf(e).any():
            parts.append("yours has inf where the solution has finite numbers")
        elif np.all(g == 0):
            parts.append("yours is 0 there, the solution's is not")
        elif np.all(e == 0):
            parts.append("yours is not 0 there, the solution's is")
        elif np.all(np.sign(g) == -np.sign(e)):
            same_size = np.allclose(np.abs(g), np.abs(e), rtol=rtol, atol=atol)
            parts.append("yours has the opposite sign" + ("" if same_size else
                                                          ", and a different size"))
        else:
            larger = np.abs(g) > np.abs(e)
            if larger.all() or not larger.any():
                size = "larger" if larger.all() else "smaller"
                ratios = g / e
                uniform = np.allclose(ratios, ratios.flat[0], rtol=1e-3) and ratios.size > 1
                parts.append(f"yours is {size} in magnitude"
                             + (", by the same factor everywhere" if uniform else ""))
            else:
                parts.append("yours is larger in some places and smaller in others")
    return "; ".join(parts)


def _describe(value):
    if isinstance(value, Numbers):
        shape = value.array.shape
        return "a number" if shape == () else f"numbers of shape {tuple(shape)}"
    if isinstance(value, Unsupported):
        return f"a value of type {value.type_name} (not something check() can compare)"
    names = {type(None): "None", bool: "a bool", str: "a string", list: "a list",
             dict: "a dict"}
    return names.get(type(value), "an unknown value")
