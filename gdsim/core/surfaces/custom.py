"""The ``custom`` surface: a loss typed by the user as a formula in x and y (or w alone).

The formula is parsed and checked by :mod:`gdsim.core.expression` (a whitelist over Python's
syntax tree; nothing typed is ever evaluated). From the checked tree this module builds a SymPy
expression node by node — never by handing text to SymPy, whose ``sympify``/``parse_expr`` call
``eval`` — differentiates it exactly (gradient and Hessian) and turns the results into
vectorized numpy functions with ``sympy.lambdify`` (common subexpressions shared). A custom
surface then runs through the same batched ``(runs, params)`` path as a built-in
:class:`~gdsim.core.surfaces.base.AnalyticSurface`, with the same per-example tilts, so
mini-batches and ``example_noise`` mean the same thing.

SymPy is imported only when a custom surface is built: ``gdsim list`` and runs on the other
surfaces never load it. Compiled formulas are cached by their text.

Minima are found numerically: the loss is evaluated on a grid over the view box, every grid
point no higher than its neighbours is polished by damped Newton steps on the exact gradient and
Hessian, and the points where the gradient vanishes and the Hessian is positive definite are
kept (deduplicated, lowest first). Minima that are not isolated (a valley floor of equal loss)
or not smooth (a kink such as ``abs(x)``) are not marked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from gdsim.core.expression import (
    MAX_LENGTH,
    Binary,
    Call,
    Expression,
    ExpressionError,
    Node,
    Number,
    Symbol,
    Unary,
    check_expression,
    parse_expression,
    to_text,
)
from gdsim.core.params import ParamSpec
from gdsim.core.surfaces.base import EXAMPLE_NOISE, N_EXAMPLES, AnalyticSurface, CriticalPoint

EXPRESSION = ParamSpec(
    "expression", "x^2 + 3*y^2",
    "The loss as a formula in x and y (or w alone): numbers, + - * / ^, parentheses, "
    "sin cos tan exp log sqrt abs tanh sinh cosh arctan, pi, e.",
    kind="text", high=MAX_LENGTH, check=check_expression,
)
EXTENT = ParamSpec(
    "extent", 5.0, "Half-width of the view box: each parameter runs from −extent to +extent.",
    low=0.0, low_open=True, high=1e6, log=True, ui_low=0.1, ui_high=100.0,
)

Columns = Callable[..., Any]


@dataclass(frozen=True)
class CompiledExpression:
    """Vectorized numpy functions of a checked formula, derived exactly by SymPy.

    ``loss_and_grad(*cols)`` returns ``(L, ∂L/∂p₁, …)`` and ``hessian(*cols)`` the upper
    triangle ``(H₁₁, H₁₂, …, H_dd)`` row by row; each column is an array ``(...)`` of one
    parameter's values and each result an array of that shape or a scalar (a constant part).
    """

    expression: Expression
    loss_and_grad: Columns
    hessian: Columns
    derivatives: tuple[str, ...]  # the gradient's components as SymPy text, for display

    @property
    def dim(self) -> int:
        return len(self.expression.param_names)


def _to_sympy(node: Node, sp: Any, symbols: Mapping[str, Any]) -> Any:
    """The SymPy expression of a checked tree, built node by node (no text is parsed)."""
    if isinstance(node, Number):
        return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
    if isinstance(node, Symbol):
        if node.name == "pi":
            return sp.pi
        if node.name == "e":
            return sp.E
        return symbols[node.name]
    if isinstance(node, Unary):
        operand = _to_sympy(node.operand, sp, symbols)
        return -operand if node.op == "-" else operand
    if isinstance(node, Binary):
        a = _to_sympy(node.left, sp, symbols)
        b = _to_sympy(node.right, sp, symbols)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            return a / b
        return a**b
    if isinstance(node, Call):
        functions = {"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp,
                     "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "tanh": sp.tanh,
                     "sinh": sp.sinh, "cosh": sp.cosh, "arctan": sp.atan}
        return functions[node.func](_to_sympy(node.arg, sp, symbols))
    raise TypeError(f"not a checked node: {node!r}")  # unreachable for parse_expression output


@lru_cache(maxsize=32)
def compile_expression(text: str) -> CompiledExpression:
    """Check ``text``, differentiate it twice with SymPy and compile numpy functions."""
    import sympy as sp  # a runtime dependency, loaded only for custom surfaces

    expression = parse_expression(text)
    names = expression.param_names
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    args = [symbols[n] for n in names]
    loss = _to_sympy(expression.tree, sp, symbols)
    grad = [sp.diff(loss, v) for v in args]
    hess = [sp.diff(grad[i], args[j]) for i in range(len(args)) for j in range(i, len(args))]
    # d|u|/du = sign(u) and d sign(u)/du = 2δ(u): zero wherever the derivative exists.
    grad = [g.replace(sp.DiracDelta, lambda *_: sp.S.Zero) for g in grad]
    hess = [h.replace(sp.DiracDelta, lambda *_: sp.S.Zero) for h in hess]
    undefined = (sp.zoo, sp.nan, sp.oo, -sp.oo)
    if any(part.has(*undefined) for part in (loss, *grad, *hess)):
        raise ExpressionError(1, "the formula is undefined: part of it is infinite or not a "
                              "number for every x and y (e.g. a division by x - x)")
    try:
        loss_and_grad = sp.lambdify(args, [loss, *grad], modules="numpy", cse=True)
        hessian = sp.lambdify(args, hess, modules="numpy", cse=True)
    except Exception as exc:  # a construct numpy's printer cannot write: refuse, never crash
        raise ExpressionError(1, f"the formula cannot be compiled ({type(exc).__name__})"
                              ) from None
    return CompiledExpression(expression, loss_and_grad, hessian, tuple(str(g) for g in grad))


class CustomSurface(AnalyticSurface):
    """A formula typed by the user, with exact derivatives; see the module docstring.

    θ is ``(x, y)`` — or ``(w,)`` when the formula uses w — over the view box
    [−extent, extent] per parameter. The default learning rate of gradient descent is set from
    the curvature at the start, 1/λ_max (rounded down to 1, 2 or 5 × 10ᵏ), so the first steps
    are stable; the adaptive methods keep their own fallback rates.
    """

    name = "custom"
    title = "Custom formula"
    formula = "a formula you type"
    summary = ("Type your own loss, e.g. (1 - x)^2 + 100*(y - x^2)^2; exact derivatives, "
               "minima found numerically.")
    param_names: tuple[str, ...] = ("x", "y")
    specs = (EXPRESSION, EXTENT, N_EXAMPLES, EXAMPLE_NOISE)
    view: tuple[tuple[float, float], ...] = ((-5.0, 5.0), (-5.0, 5.0))
    default_start: tuple[float, ...] = (-4.0, 4.0)

    @classmethod
    def param_names_for(cls, params: Mapping[str, Any]) -> tuple[str, ...]:
        """θ's names for these parameters: ``("w",)`` if the formula uses w, else x and y."""
        text = params.get("expression", EXPRESSION.default)
        try:
            return parse_expression(text).param_names
        except ValueError:
            return cls.param_names

    def __init__(self, seed: int = 0, **params: Any) -> None:
        text = EXPRESSION.validate(params.get("expression", EXPRESSION.default), self.name)
        self.compiled = compile_expression(str(text))
        self.param_names = self.compiled.expression.param_names
        super().__init__(seed, **params)
        extent = float(self.params["extent"])
        self.view = tuple((-extent, extent) for _ in self.param_names)
        self.default_start = (-0.8 * extent, 0.8 * extent) if self.dim == 2 else (0.8 * extent,)
        self.formula = to_text(self.compiled.expression.tree)  # "x² + 3·y²", for display
        self.lrs = self._curvature_rates()

    # --- evaluation -------------------------------------------------------------------------
    def _columns(self, theta: np.ndarray) -> list[np.ndarray]:
        return [theta[..., i] for i in range(self.dim)]

    def f(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """L(θ) and ∇L(θ) for ``theta`` ``(..., dim)``: ``(...)`` and ``(..., dim)``."""
        values = self.compiled.loss_and_grad(*self._columns(theta))
        shape = theta.shape[:-1]
        loss = np.empty(shape)
        loss[...] = values[0]  # fresh array; a constant broadcasts
        grad = np.empty(theta.shape)
        for i in range(self.dim):
            grad[..., i] = values[i + 1]
        return loss, grad

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The exact Hessian of the full-batch loss at ``theta`` ``(..., dim)``: ``(..., dim, dim)``
        (for a batch of runs ``(runs, params, params)``).

        The examples' tilts are linear in θ, so every mini-batch loss has this Hessian too.
        """
        theta = np.asarray(theta, dtype=float)
        upper = self.compiled.hessian(*self._columns(theta))
        out = np.empty((*theta.shape, self.dim))
        k = 0
        for i in range(self.dim):
            for j in range(i, self.dim):
                out[..., i, j] = upper[k]
                out[..., j, i] = upper[k]
                k += 1
        return out

    # --- derived facts ----------------------------------------------------------------------
    def critical_points(self) -> list[CriticalPoint]:
        """The isolated minima in (or within 1% of) the view box, lowest first."""
        return list(_minima(self.compiled.expression.text, float(self.params["extent"])))

    def _curvature_rates(self) -> dict[str, float]:
        """Gradient descent's rate 1/λ_max at the start (rounded down), momentum's half that."""
        with np.errstate(all="ignore"):
            hess = self.hessian(np.array(self.default_start))
        if not np.all(np.isfinite(hess)):
            return {}
        curvature = float(np.max(np.abs(np.linalg.eigvalsh(hess))))
        if curvature <= 1e-12:
            return {}
        lr = _round_down(min(1.0, max(1e-6, 1.0 / curvature)))
        return {"gd": lr, "momentum": _round_down(lr / 2)}


def _round_down(x: float) -> float:
    """The largest of 1, 2, 5 × 10ᵏ not above ``x`` > 0."""
    k = math.floor(math.log10(x))
    for m in (5, 2, 1):
        if m * 10.0**k <= x * (1 + 1e-12):
            return float(f"{m}e{k}")
    return float(f"1e{k}")


@lru_cache(maxsize=32)
def _minima(text: str, extent: float) -> tuple[CriticalPoint, ...]:
    compiled = compile_expression(text)
    with np.errstate(all="ignore"):
        return find_minima(compiled, extent)


def find_minima(compiled: CompiledExpression, extent: float,
                max_points: int = 50) -> tuple[CriticalPoint, ...]:
    """Isolated minima of a compiled formula in the box [−extent, extent]^dim.

    Grid points no higher than any neighbour start damped Newton iterations; a result counts if
    its gradient vanishes (relative to the grid's typical gradient), its Hessian is positive
    definite and it lies within 1% of the box. Duplicates (closer than 10⁻⁶ of the box) merge.
    """
    dim = compiled.dim
    n = 401 if dim == 1 else 61
    axis = np.linspace(-extent, extent, n)
    grid = np.stack(np.meshgrid(*([axis] * dim), indexing="ij"), axis=-1)  # (n, [n,] dim)

    def loss_grad(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = compiled.loss_and_grad(*(theta[..., i] for i in range(dim)))
        loss = np.empty(theta.shape[:-1])
        loss[...] = values[0]
        grad = np.empty(theta.shape)
        for i in range(dim):
            grad[..., i] = values[i + 1]
        return loss, grad

    def hessian(theta: np.ndarray) -> np.ndarray:
        upper = compiled.hessian(*theta)
        out = np.empty((dim, dim))
        k = 0
        for i in range(dim):
            for j in range(i, dim):
                out[i, j] = out[j, i] = float(np.real(upper[k]))
                k += 1
        return out

    loss, grad = loss_grad(grid)
    loss = np.where(np.isfinite(loss), loss, np.inf)
    padded = np.pad(loss, 1, constant_values=np.inf)
    lowest = np.isfinite(loss)
    for shift in np.ndindex(*([3] * dim)):
        if all(s == 1 for s in shift):
            continue
        neighbour = padded[tuple(slice(s, s + n) for s in shift)]
        lowest &= loss <= neighbour
    candidates = grid[lowest]
    order = np.argsort(loss[lowest], kind="stable")[: 4 * max_points]
    finite_grad = np.abs(grad[np.isfinite(grad).all(axis=-1)])
    grad_scale = float(np.median(finite_grad)) if finite_grad.size else 1.0
    found: list[tuple[np.ndarray, float]] = []
    for start in candidates[order]:
        theta = _newton(loss_grad, hessian, start, extent)
        if theta is None or np.any(np.abs(theta) > 1.01 * extent):
            continue
        value, g = loss_grad(theta)
        eig = np.linalg.eigvalsh(hessian(theta))
        if not (np.isfinite(value) and np.max(np.abs(g)) <= 1e-7 * (1.0 + grad_scale)
                and eig.min() > 1e-9 * max(1.0, float(np.abs(eig).max()))):
            continue
        if any(np.max(np.abs(theta - p)) <= 1e-6 * extent for p, _ in found):
            continue
        found.append((theta, float(value)))
        if len(found) >= max_points:
            break
    if not found:
        return ()
    best = min(v for _, v in found)
    tol = 1e-9 * max(1.0, abs(best))
    points = [CriticalPoint(tuple(float(t) for t in theta), v,
                            "global minimum" if v <= best + tol else "local minimum")
              for theta, v in found]
    return tuple(sorted(points, key=lambda p: p.loss))


def _newton(loss_grad: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
            hessian: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, extent: float,
            max_steps: int = 60) -> np.ndarray | None:
    """Damped Newton from ``theta``: a Newton step where the Hessian is positive definite,
    else a gradient step, halved until the loss does not rise. ``None`` if it leaves the box
    far behind or produces non-finite values."""
    loss, grad = loss_grad(theta)
    for _ in range(max_steps):
        if not np.all(np.isfinite(grad)):
            return None
        hess = hessian(theta)
        if not np.all(np.isfinite(hess)):
            return None
        eig = np.linalg.eigvalsh(hess)
        if eig.min() > 0:
            step = np.linalg.solve(hess, grad)
        else:
            step = grad * (0.1 * extent / max(float(np.max(np.abs(grad))), 1e-300))
        t = 1.0
        while True:
            new = theta - t * step
            new_loss, new_grad = loss_grad(new)
            if new_loss <= loss:
                break
            t *= 0.5
            if t < 1e-12:
                return theta
        moved = float(np.max(np.abs(new - theta)))
        theta, loss, grad = new, new_loss, new_grad
        if np.any(np.abs(theta) > 10 * extent):
            return None
        if moved <= 1e-13 * extent or np.max(np.abs(grad)) == 0.0:
            break
    return theta
