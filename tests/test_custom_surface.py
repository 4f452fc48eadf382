"""The ``custom`` surface: exact derivatives against hand derivatives, runs, minima, sessions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core import Run, RunConfig
from gdsim.core.config import ConfigError
from gdsim.core.session import Session, load_session, save_session
from gdsim.core.surfaces import make_surface
from gdsim.core.surfaces.custom import CustomSurface, compile_expression

RNG = np.random.default_rng(7)
POINTS = RNG.uniform(-2.0, 2.0, (25, 2))
POINTS[:, 0] += np.where(POINTS[:, 0] >= 0, 0.1, -0.1)  # |x| ≥ 0.1: away from abs's kink
POINTS[:, 1] += np.where(POINTS[:, 1] >= 0, 0.3, -0.3)  # |y| ≥ 0.3: away from the pole of x/y


def _sech2(u):
    return 1.0 / np.cosh(u) ** 2


# (formula, loss, gradient) with the gradient derived by hand.
HAND = [
    ("x**2 + 3*y**2", lambda x, y: x**2 + 3 * y**2, lambda x, y: (2 * x, 6 * y)),
    ("(1 - x)^2 + 100*(y - x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
     lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2))),
    ("sin(x)*cos(y) + 0.1*(x^2+y^2)", lambda x, y: np.sin(x) * np.cos(y) + 0.1 * (x**2 + y**2),
     lambda x, y: (np.cos(x) * np.cos(y) + 0.2 * x, -np.sin(x) * np.sin(y) + 0.2 * y)),
    ("exp(-x^2 - y^2)", lambda x, y: np.exp(-(x**2) - y**2),
     lambda x, y: (-2 * x * np.exp(-(x**2) - y**2), -2 * y * np.exp(-(x**2) - y**2))),
    ("log(1 + x^2 + y^2)", lambda x, y: np.log(1 + x**2 + y**2),
     lambda x, y: (2 * x / (1 + x**2 + y**2), 2 * y / (1 + x**2 + y**2))),
    ("sqrt(1 + x^2 + 2*y^2)", lambda x, y: np.sqrt(1 + x**2 + 2 * y**2),
     lambda x, y: (x / np.sqrt(1 + x**2 + 2 * y**2), 2 * y / np.sqrt(1 + x**2 + 2 * y**2))),
    ("tanh(x*y)", lambda x, y: np.tanh(x * y),
     lambda x, y: (y * _sech2(x * y), x * _sech2(x * y))),
    ("sinh(x) + cosh(y)", lambda x, y: np.sinh(x) + np.cosh(y),
     lambda x, y: (np.cosh(x), np.sinh(y))),
    ("arctan(x) * y^3", lambda x, y: np.arctan(x) * y**3,
     lambda x, y: (y**3 / (1 + x**2), 3 * y**2 * np.arctan(x))),
    ("abs(x) + y^2", lambda x, y: np.abs(x) + y**2, lambda x, y: (np.sign(x), 2 * y)),
    ("tan(x/4) + x/y", lambda x, y: np.tan(x / 4) + x / y,
     lambda x, y: (0.25 / np.cos(x / 4) ** 2 + 1 / y, -x / y**2)),
    ("2^x + e^y + pi*x", lambda x, y: 2.0**x + np.e**y + np.pi * x,
     lambda x, y: (np.log(2) * 2.0**x + np.pi, np.e**y)),
    ("-x^-2 * y", lambda x, y: -(x**-2.0) * y, lambda x, y: (2 * x**-3.0 * y, -(x**-2.0))),
    ("x^2 / (1 + y^2)", lambda x, y: x**2 / (1 + y**2),
     lambda x, y: (2 * x / (1 + y**2), -2 * x**2 * y / (1 + y**2) ** 2)),
]


@pytest.mark.parametrize(("text", "loss", "grad"), HAND, ids=[h[0] for h in HAND])
def test_gradient_equals_the_hand_derivative(text, loss, grad) -> None:
    surface = make_surface("custom", {"expression": text})
    x, y = POINTS[:, 0], POINTS[:, 1]
    value, g = surface.loss_and_grad(POINTS)
    assert value.shape == (25,) and g.shape == (25, 2)
    np.testing.assert_allclose(value, loss(x, y), rtol=1e-12, atol=1e-12)
    gx, gy = grad(x, y)
    np.testing.assert_allclose(g[:, 0], gx, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(g[:, 1], gy, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("text", [h[0] for h in HAND])
def test_hessian_matches_central_differences_of_the_gradient(text) -> None:
    surface = make_surface("custom", {"expression": text})
    h = 1e-6
    hess = surface.hessian(POINTS)
    assert hess.shape == (25, 2, 2)
    for i in range(2):
        step = np.zeros(2)
        step[i] = h
        column = (surface.grad(POINTS + step) - surface.grad(POINTS - step)) / (2 * h)
        np.testing.assert_allclose(hess[:, :, i], column, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(hess, np.swapaxes(hess, 1, 2))


def test_hessian_by_hand_and_for_one_parameter() -> None:
    rosen = make_surface("custom", {"expression": "(1 - x)^2 + 100*(y - x^2)^2"})
    x, y = 0.5, -1.0
    expected = [[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(rosen.hessian(np.array([[x, y]]))[0], expected)
    well = make_surface("custom", {"expression": "(w^2 - 1)^2 + 0.3*w"})
    assert well.param_names == ("w",) and well.dim == 1
    w = np.array([[-1.2], [0.3], [2.0]])
    np.testing.assert_allclose(well.hessian(w)[:, 0, 0], 12 * w[:, 0] ** 2 - 4)
    np.testing.assert_allclose(well.grad(w)[:, 0], 4 * w[:, 0] * (w[:, 0] ** 2 - 1) + 0.3)


def test_constant_and_linear_parts_broadcast_to_fresh_arrays() -> None:
    surface = make_surface("custom", {"expression": "x + 2"})
    theta = np.array([[1.0, 5.0], [3.0, -1.0]])
    loss, grad = surface.loss_and_grad(theta)
    np.testing.assert_array_equal(loss, [3.0, 5.0])
    np.testing.assert_array_equal(grad, [[1.0, 0.0], [1.0, 0.0]])
    loss[:] = 0.0
    np.testing.assert_array_equal(theta, [[1.0, 5.0], [3.0, -1.0]])  # not a view of θ
    np.testing.assert_array_equal(surface.hessian(theta), np.zeros((2, 2, 2)))
    grid = np.zeros((4, 3, 2))
    assert surface.loss(grid).shape == (4, 3) and surface.grad(grid).shape == (4, 3, 2)


def test_one_step_from_1_1_with_lr_0_1_reaches_0_8_0_4() -> None:
    config = RunConfig(surface="custom", surface_params={"expression": "x**2 + 3*y**2"},
                       start=(1.0, 1.0), lr=0.1, max_steps=1)
    run = Run(config)
    run.advance(1)
    np.testing.assert_allclose(run.theta[0], [0.8, 0.4], rtol=0, atol=1e-15)


def test_matches_the_built_in_rosenbrock_step_for_step_with_mini_batches() -> None:
    common = dict(optimizer="adam", batch_size=7, start=(-1.5, 2.0), seed=3, max_steps=300,
                  surface_params={"example_noise": 2.0})
    built_in = Run(RunConfig(surface="rosenbrock", **common))
    custom = Run(RunConfig(surface="custom", **{
        **common, "surface_params": {"example_noise": 2.0,
                                     "expression": "(1 - x)^2 + 100*(y - x^2)^2"}}))
    np.testing.assert_array_equal(custom.surface.tilts, built_in.surface.tilts)
    built_in.advance(300)
    custom.advance(300)
    np.testing.assert_allclose(custom.trajectory.theta, built_in.trajectory.theta, rtol=1e-9,
                               atol=1e-12)


def test_mini_batches_are_noisy_but_unbiased() -> None:
    surface = make_surface("custom", {"expression": "sin(x)*cos(y) + 0.1*(x^2+y^2)",
                                      "n_examples": 40, "example_noise": 3.0})
    theta = np.array([[0.5, -1.0], [2.0, 1.5]])
    full = surface.grad(theta)
    every = surface.batch_loss_and_grad(theta, np.arange(40))[1]
    np.testing.assert_allclose(every, full, atol=1e-12)
    part = surface.batch_loss_and_grad(theta, np.arange(5))[1]
    assert np.max(np.abs(part - full)) > 0.1
    batches = [surface.batch_loss_and_grad(theta, idx)[1] for idx in np.arange(40).reshape(8, 5)]
    np.testing.assert_allclose(np.mean(batches, axis=0), full, atol=1e-12)


def test_minima_are_found_numerically() -> None:
    himmelblau = make_surface("custom", {"expression": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"})
    built_in = make_surface("himmelblau")
    found = sorted(p.theta for p in himmelblau.minima())
    expected = sorted(p.theta for p in built_in.minima())
    assert len(found) == 4
    np.testing.assert_allclose(found, expected, atol=1e-9)
    assert all(p.kind == "global minimum" for p in himmelblau.minima())

    well = make_surface("custom", {"expression": "(w^2 - 1)^2 + 0.3*w"})
    mine = [(p.theta[0], p.loss, p.kind) for p in well.minima()]
    truth = [(p.theta[0], p.loss, p.kind) for p in make_surface("double-well").minima()]
    assert [k for *_, k in mine] == [k for *_, k in truth] == ["global minimum",
                                                                  "local minimum"]
    np.testing.assert_allclose([m[:2] for m in mine], [t[:2] for t in truth], atol=1e-10)


def test_no_isolated_minimum_is_not_marked() -> None:
    assert make_surface("custom", {"expression": "x^2"}).minima() == []  # a valley floor
    assert make_surface("custom", {"expression": "x + y"}).minima() == []
    assert make_surface("custom", {"expression": "-(x^2 + y^2)"}).minima() == []


def test_view_start_and_default_rate_follow_the_formula() -> None:
    surface = make_surface("custom", {"expression": "x**2 + 3*y**2", "extent": 2.0})
    assert surface.view == ((-2.0, 2.0), (-2.0, 2.0))
    assert surface.default_start == (-1.6, 1.6)
    # λ_max = 6 at every point: 1/6 rounded down to 0.1, stable (η < 2/6).
    assert surface.default_lr("gd") == 0.1 and surface.default_lr("momentum") == 0.05
    assert surface.formula == "x² + 3·y²"  # for display; the parameter keeps the text typed
    assert surface.params["expression"] == "x**2 + 3*y**2"
    rosen = make_surface("custom", {"expression": "(1 - x)^2 + 100*(y - x^2)^2"})
    assert rosen.formula == "(1 − x)² + 100·(y − x²)²"
    assert make_surface("custom", {"expression": "w^2"}).view == ((-5.0, 5.0),)


def test_one_parameter_formula_in_a_config_and_its_start() -> None:
    config = RunConfig(surface="custom", surface_params={"expression": "w^4 - w"},
                       start=(1.5,), lr=0.01, max_steps=3000)
    run = Run(config)
    run.advance(3000)
    np.testing.assert_allclose(run.theta[0, 0], 0.25 ** (1 / 3), atol=1e-6)  # 4w³ = 1
    with pytest.raises(ConfigError) as info:
        RunConfig(surface="custom", surface_params={"expression": "w^4 - w"}, start=(1.0, 2.0))
    assert info.value.field == "start" and "(w)" in info.value.reason
    assert CustomSurface.param_names_for({"expression": "w^2"}) == ("w",)
    assert CustomSurface.param_names_for({}) == ("x", "y")


def test_a_bad_formula_names_the_field_and_the_column() -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(surface="custom", surface_params={"expression": "x + y.real"})
    assert info.value.field == "surface_params.expression"
    assert "column 5" in info.value.reason and "attribute" in info.value.reason


def test_saved_in_sessions(tmp_path: Path) -> None:
    config = RunConfig(surface="custom", surface_params={"expression": "sin(x)*cos(y) + "
                                                         "0.1*(x^2+y^2)", "extent": 4.0},
                       start=(1.0, 2.0), max_steps=50)
    path = tmp_path / "mine.json"
    save_session(Session((config,)), path)
    loaded = load_session(path).configs[0]
    assert loaded == config
    a, b = Run(config), Run(loaded)
    a.advance(50)
    b.advance(50)
    np.testing.assert_array_equal(a.trajectory.theta, b.trajectory.theta)


def test_command_line_run(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--surface", "custom", "--surface-param", "expression=x**2 + 3*y**2",
                 "--start", "1,1", "--lr", "0.1", "--steps", "1", "--csv", "-"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and out[0] == "step,x,y,loss,grad_x,grad_y,lr"
    x, y = map(float, out[2].split(",")[1:3])
    assert (x, y) == pytest.approx((0.8, 0.4), abs=1e-15)
    code = main(["run", "--surface", "custom", "--surface-param", "expression=x + open(y)"])
    err = capsys.readouterr().err
    assert code == 2 and "surface_params.expression" in err and "column 5" in err
    assert "open" in err and "Traceback" not in err


def test_other_surfaces_never_import_sympy_and_custom_needs_only_sympy() -> None:
    code = ("import sys; from gdsim.cli import main; "
            "main(['list', 'surfaces']); main(['run', '--surface', 'rosenbrock', "
            "'--steps', '20']); main(['run', '--surface', 'linear-regression', '--steps', '5']); "
            "assert 'sympy' not in sys.modules, 'sympy imported'; "
            "before = set(sys.modules); "
            "main(['run', '--surface', 'custom', '--steps', '5']); "
            "third = {m.split('.')[0] for m in set(sys.modules) - before}; "
            "std = set(sys.stdlib_module_names) | {'gdsim', 'numpy', 'sympy', 'mpmath'}; "
            "bad = sorted(t for t in third if t not in std and not t.startswith('_')); "
            "assert 'sympy' in sys.modules; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sympy_never_parses_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SymPy expression is built from the checked tree: its text parsers are never used."""
    import sympy
    import sympy.parsing.sympy_parser as parser

    def refuse(*_args, **_kwargs):
        raise AssertionError("SymPy was asked to parse text")

    monkeypatch.setattr(parser, "parse_expr", refuse)
    real_sympify = sympy.sympify

    def strict_sympify(a, *args, **kwargs):
        if isinstance(a, str):
            refuse()
        return real_sympify(a, *args, **kwargs)

    monkeypatch.setattr(sympy, "sympify", strict_sympify)
    compile_expression.cache_clear()
    compiled = compile_expression("(1 - x)^2 + 100*(y - x^2)^2 + sqrt(abs(x)) + arctan(y)")
    assert compiled.loss_and_grad(1.0, 1.0)[0] == pytest.approx(1.0 + np.pi / 4)


# --- the Surface panel ------------------------------------------------------------------------
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_expression_field_shows_errors_as_you_type_and_applies_on_enter(qtbot) -> None:
    from PySide6.QtCore import Qt

    from gdsim.app import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.set_configs([RunConfig(surface="custom", max_steps=5)])
    qtbot.waitUntil(lambda: w.history is not None and w.surface.name == "custom")
    field = w.surface_panel.params.controls["expression"]
    assert field.edit.text() == "x^2 + 3*y^2" and not field.error.isVisibleTo(w)
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "x^2 + y.real")
    assert field.error.isVisibleTo(w)
    assert "column 7" in field.error.text() and "attribute" in field.error.text()
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert w.configs[0].surface_params.get("expression", "x^2 + 3*y^2") == "x^2 + 3*y^2"
    for _ in "y.real":
        qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, "(w - 1)^2")  # now "x^2 + (w - 1)^2": both x and w
    assert "not both" in field.error.text()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "(w - 1)^2")
    assert not field.error.isVisibleTo(w)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.surface.param_names == ("w",))
    assert w.configs[0].surface_params["expression"] == "(w - 1)^2"
    assert w.configs[0].start is None  # θ changed shape: back to the default start
    assert not w.surface_panel.start_spins[1].isVisibleTo(w)
    assert w.surface_panel.start_labels[0].text() == "w"
    w.close()


# --- random formulas --------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SMOOTH = ("sin", "cos", "exp", "tanh", "arctan")
ALL_FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh",
                 "arctan")


def _formulas(functions: tuple[str, ...], ops: tuple[str, ...]) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(["x", "y", "pi", "e"]),
                       st.integers(1, 9).map(str),
                       st.floats(0.1, 3.0).map(lambda v: f"{v:.3g}"))

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(ops), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(functions), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.integers(2, 3)).map(lambda t: f"({t[0]})^{t[1]}"),
            inner.map(lambda a: f"-{a}"),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_formulas(SMOOTH, ("+", "-", "*")))
def test_random_smooth_formulas_gradient_matches_finite_differences(text: str) -> None:
    try:
        compiled = compile_expression(text)
    except ValueError:  # e.g. no variable: refused, fine
        return
    surface = CustomSurface(expression=text)
    theta = np.array([[0.3, -0.7], [-0.4, 0.5], [0.8, 0.2]])
    with np.errstate(all="ignore"):
        grad = surface.grad(theta)
        h = 1e-6
        for i in range(2):
            step = np.zeros(2)
            step[i] = h
            fd = (surface.loss(theta + step) - surface.loss(theta - step)) / (2 * h)
            ok = np.isfinite(fd) & np.isfinite(grad[:, i]) & (np.abs(fd) < 1e6)
            # Rounding in f(θ ± h) costs about 2e-16·|f|/h in the difference quotient.
            rounding = 1e-9 * np.abs(surface.loss(theta)[ok]).max(initial=0) / h
            np.testing.assert_allclose(grad[ok, i], fd[ok], rtol=1e-4, atol=rounding + 1e-5 * (
                1 + np.abs(fd[ok]).max(initial=0)))
    assert compiled.dim == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_formulas(ALL_FUNCTIONS, ("+", "-", "*", "/", "^")))
def test_random_formulas_compile_and_evaluate_without_raising(text: str) -> None:
    try:
        surface = CustomSurface(expression=text)
    except ValueError:
        return  # refused with a reason (a constant formula, a huge constant, …)
    theta = np.random.default_rng(0).uniform(-3, 3, (7, 2))
    with np.errstate(all="ignore"):
        loss, grad = surface.loss_and_grad(theta)
        hess = surface.hessian(theta)
    assert loss.shape == (7,) and grad.shape == (7, 2) and hess.shape == (7, 2, 2)
    assert loss.dtype == grad.dtype == hess.dtype == np.float64


def test_a_formula_undefined_everywhere_is_refused_where_it_is_built(
        capsys: pytest.CaptureFixture[str]) -> None:
    """x − x and tan(π/2) pass the parser; SymPy finds ∞: refused, never a crash."""
    for text in ("1/(x - x)", "log(y - y) + x", "tan(pi/2)*x"):
        with pytest.raises(ValueError, match="undefined"):
            make_surface("custom", {"expression": text})
    code = main(["run", "--surface", "custom", "--surface-param", "expression=x/(y - y)"])
    err = capsys.readouterr().err
    assert code == 2 and "undefined" in err and "Traceback" not in err


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_the_app_refuses_an_undefined_formula_and_keeps_running(qtbot) -> None:
    from PySide6.QtCore import Qt

    from gdsim.app import MainWindow

    w = MainWindow([RunConfig(surface="custom", max_steps=5)])
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    field = w.surface_panel.params.controls["expression"]
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "1/(x - x)")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert "undefined" in w.statusBar().currentMessage()
    assert "expression" not in w.configs[0].surface_params
    assert field.edit.text() == "x^2 + 3*y^2"  # the controls show what is in force
    with pytest.raises(ValueError, match="undefined"):
        w.set_configs([RunConfig(surface="custom", surface_params={"expression": "x/(y-y)"})])
    assert w.surface.params["expression"] == "x^2 + 3*y^2"
    w.close()
