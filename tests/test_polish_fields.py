"""Issue 8, "Bad input in the window: one rule for every field".

Every numeric field refuses an invalid or out-of-range entry with one status-bar message that
names the field by its readable label and gives its valid range, and shows its previous value
again — never a different number than the one typed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from gdsim.app import MainWindow
from gdsim.app.panels.controls import FieldRule, IntSpinBox, NumberSpinBox, ParamForm
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import ParamSpec
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import SURFACES

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def type_into(qtbot, spin: QAbstractSpinBox, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = MainWindow([RunConfig(surface="linear-regression")])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
    yield w
    w.close()


def _message(w: MainWindow) -> str:
    return w.statusBar().currentMessage()


# (field, text typed, words the message must hold: its label and its valid range)
CASES = [
    ("n_examples", "1e308", ("Linear regression's", "n_examples", "[2, 100000]")),
    ("n_examples", "-1", ("n_examples", "[2, 100000]")),
    ("n_examples", "2.5", ("n_examples", "an integer")),
    ("seed", "-1", ("Seed", "[0, 2147483647]")),
    ("batch", "0", ("Batch size", "[1, 100]")),
    ("batch", "101", ("Batch size", "[1, 100]")),
    ("step_limit", "nan", ("Step limit", "[0, 2147483647]")),
    ("step_limit", "-5", ("Step limit", "[0, ")),
    ("lr", "-1", ("Gradient descent's learning rate η (lr)", "≥ 0")),
    ("lr", "abc", ("learning rate η", "≥ 0")),
    ("start", "inf", ("Start θ₀ w", "a finite number")),
]


def _field(w: MainWindow, name: str) -> QAbstractSpinBox:
    return {
        "n_examples": lambda: w.surface_panel.params.controls["n_examples"],
        "seed": lambda: w.surface_panel.seed_spin,
        "batch": lambda: w.batch_spin,
        "step_limit": lambda: w.step_limit_spin,
        "lr": lambda: w.lr_spin,
        "start": lambda: w.surface_panel.start_spins[0],
    }[name]()


@pytest.mark.parametrize(("name", "text", "words"), CASES)
def test_a_bad_entry_is_refused_with_its_label_and_range(qtbot, window: MainWindow, name: str,
                                                         text: str, words: tuple[str, ...]
                                                         ) -> None:
    w = window
    field = _field(w, name)
    before_configs, before_value = w.configs, field.value()
    type_into(qtbot, field, text)
    message = _message(w)
    assert message.startswith("⚠ ") and " must be " in message, message
    for word in words:
        assert word in message, (word, message)
    assert f"(got {text!r})" in message  # it says what was typed
    assert message.endswith(f"kept {field.textFromValue(before_value)}")
    assert field.value() == before_value  # the previous value, shown again
    assert field.text() == field.textFromValue(before_value)
    assert w.configs == before_configs


def test_a_huge_learning_rate_is_kept_as_typed_or_refused(qtbot, window: MainWindow) -> None:
    """η = 1e308 is a float: either it is taken exactly as typed, or refused with a message
    (never clamped to another number, as 1e+300 was)."""
    w = window
    type_into(qtbot, w.lr_spin, "1e308")
    if " must be " in _message(w):
        assert w.lr_spin.value() == pytest.approx(0.01, rel=1) and w.configs[0].lr != 1e300
    else:
        qtbot.waitUntil(lambda: w.configs[0].lr == 1e308)
        assert w.lr_spin.value() == 1e308


def test_a_valid_entry_is_taken_exactly(qtbot, window: MainWindow) -> None:
    w = window
    field = _field(w, "n_examples")
    type_into(qtbot, field, "1e3")  # 1000, written as a float: the same number
    qtbot.waitUntil(lambda: w.configs[0].surface_params.get("n_examples") == 1000)
    assert field.value() == 1000
    type_into(qtbot, w.surface_panel.seed_spin, "7")
    qtbot.waitUntil(lambda: w.configs[0].seed == 7)


def _all_specs() -> list[tuple[str, ParamSpec]]:
    specs = [(opt.title, s) for opt in OPTIMIZERS.values() for s in opt.specs]
    specs += [(f"{s.title} schedule", spec) for s in SCHEDULES.values() for spec in s.specs]
    specs += [(cls.title, spec) for cls in SURFACES.values() for spec in cls.specs]
    out, seen = [], set()
    for owner, spec in specs:
        if spec.kind in ("int", "float") and (owner, spec.name) not in seen:
            seen.add((owner, spec.name))
            out.append((owner, spec))
    return out


@pytest.mark.parametrize(("owner", "spec"), _all_specs(),
                         ids=[f"{o}-{s.name}" for o, s in _all_specs()])
def test_every_generated_field_follows_the_rule(qtbot, owner: str, spec: ParamSpec) -> None:
    form = ParamForm()
    qtbot.addWidget(form)
    form.set_specs([spec], owner)
    form.show()
    field = form.controls[spec.name]
    assert isinstance(field, (IntSpinBox, NumberSpinBox))
    messages: list[str] = []
    form.sigInvalid.connect(messages.append)
    edits: list[object] = []
    form.sigEdited.connect(lambda _n, v: edits.append(v))
    before = field.value()
    bad = ["nan", "1e400", "x"]
    if spec.high is not None:
        bad.append(repr(spec.high * 2 + 1))
    if spec.low is not None:
        bad.append(repr(spec.low - 1 if spec.low != 0 else -1.0))
    if spec.kind == "int":
        bad.append("1.5")
    for text in bad:
        type_into(qtbot, field, text)
        assert field.value() == before, text
        rule = FieldRule(spec, owner)
        assert messages and owner in messages[-1] and rule.expected() in messages[-1], text
        messages.clear()
    assert edits == []


def test_the_rule_names_the_field_readably() -> None:
    lr = OPTIMIZERS["gd"].spec_table["lr"]
    rule = FieldRule(lr, "Gradient descent")
    value, message = rule.check("-1")
    assert value is None
    assert message == "Gradient descent's learning rate η (lr) must be ≥ 0 (got '-1')"
    assert rule.check("1e-3") == (0.001, "")
    n = ParamSpec("n", 5, "", kind="int", low=1)
    assert FieldRule(n).check("3e9")[0] is None  # above what the box can hold: said so
    assert "2147483647" in FieldRule(n).check("3e9")[1]


def test_a_surface_change_that_rescales_eta_says_so(qtbot) -> None:
    """1.5 on the bowl became 0.015 on Rosenbrock silently; now the status bar says so."""
    w = MainWindow([RunConfig(lr=1.5)])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    w.surface_combo.setCurrentIndex(w.surface_combo.findData("rosenbrock"))  # one change
    qtbot.waitUntil(lambda: w.configs[0].surface == "rosenbrock")
    message = _message(w)
    new = w.configs[0].lr
    assert new is not None and new != 1.5
    assert "η changed from 1.5 to" in message and f"{new:.3g}" in message
    assert "ratio to the recommended rate" in message and "Rosenbrock" in message
    w.close()


def test_a_default_eta_names_the_new_recommended_rate() -> None:
    from gdsim.app.model.edits import choose_surface, lr_change_note

    before = [RunConfig()]
    after = choose_surface(before, "rosenbrock")
    note = lr_change_note(before, after)
    assert note.startswith("η changed from 0.1 to 0.001")
    assert "recommended rate for Gradient descent on Rosenbrock" in note
    assert lr_change_note(before, before) == ""
