"""ParamSpec kinds beyond numbers: choices, text and lists of integers."""

from __future__ import annotations

import pytest

from gdsim.core.params import ParamError, ParamSpec, parse_value, resolve_params

ACTIVATION = ParamSpec("activation", "tanh", "Hidden units' activation.", kind="choice",
                       choices=("tanh", "relu", "sigmoid"))
FORMULA = ParamSpec("expression", "x**2", "A formula.", kind="text", high=20)
HIDDEN = ParamSpec("hidden", (8, 8), "Hidden layer sizes.", kind="ints", low=1, high=32,
                   max_items=4)


def test_choice_accepts_only_its_values() -> None:
    assert ACTIVATION.validate("relu") == "relu"
    assert ACTIVATION.validate(" sigmoid ") == "sigmoid"
    for bad in ("softmax", 1, None, ["tanh"]):
        with pytest.raises(ParamError, match="one of tanh, relu, sigmoid"):
            ACTIVATION.validate(bad)


def test_text_is_bounded_in_length() -> None:
    assert FORMULA.validate("x**2 + y**2") == "x**2 + y**2"
    assert FORMULA.validate(parse_value("2")) == "2"
    with pytest.raises(ParamError, match="at most 20 characters"):
        FORMULA.validate("x" * 21)
    with pytest.raises(ParamError, match="must be text"):
        FORMULA.validate(["x"])


def test_ints_from_the_command_line_json_and_code() -> None:
    assert HIDDEN.validate(parse_value("8,8")) == (8, 8)
    assert HIDDEN.validate(parse_value("16")) == (16,)
    assert HIDDEN.validate([4, 4, 4]) == (4, 4, 4)
    assert HIDDEN.validate("") == ()
    for bad in ("8,x", "8,,8", "0,8", "33", "1,1,1,1,1", [8.5], [True], "9" * 40, {"a": 1}):
        with pytest.raises(ParamError, match="comma-separated integers"):
            HIDDEN.validate(bad)


def test_resolve_params_keeps_the_kinds() -> None:
    values = resolve_params((ACTIVATION, FORMULA, HIDDEN), {"hidden": "2,3"}, owner="net")
    assert values == {"activation": "tanh", "expression": "x**2", "hidden": (2, 3)}
