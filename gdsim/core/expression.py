"""A safe parser for formulas typed by the user: ``(1 - x)^2 + 100*(y - x^2)^2``.

The text is parsed by Python's :mod:`ast` module (which builds a syntax tree and executes
nothing) and the tree is then checked node by node against a whitelist:

* numbers (integers and decimals, finite), the variables ``x`` and ``y`` — or ``w`` alone for a
  one-parameter surface — and the constants ``pi`` and ``e``;
* the operators ``+ - * /``, power as ``^`` or ``**``, unary minus and plus, parentheses;
* one-argument calls of ``sin cos tan exp log sqrt abs tanh sinh cosh arctan``.

Everything else — attribute access, subscripts, other names, other calls, keywords, starred
arguments, lambdas, comprehensions, strings, f-strings, comparisons, assignment — is refused
with an :class:`ExpressionError` naming the column (1-based, in the text as typed) and the
reason. Size is bounded before anything is computed: at most :data:`MAX_LENGTH` characters,
:data:`MAX_NODES` tree nodes, :data:`MAX_DEPTH` levels of nesting, exponents of at most
:data:`MAX_EXPONENT` in magnitude, constants of at most :data:`MAX_CONSTANT`, and an estimated
size of the second derivatives of at most :data:`MAX_DERIVATIVE_COST` (a product of many
factors has a Hessian of about n³ parts, which SymPy would take seconds to derive). The constant
parts of the formula are checked in floating point (never as big integers), so ``9**9**9**9``
is refused at once rather than computed.

The checked tree (:class:`Node` subclasses) is all that later stages see: the custom surface
builds its symbolic derivatives from it, never from the text. This module is stdlib-only.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import lru_cache

from gdsim.core.params import ParamError

MAX_LENGTH = 500
MAX_NODES = 200
MAX_DEPTH = 30
MAX_EXPONENT = 100.0
MAX_CONSTANT = 1e300
MAX_DERIVATIVE_COST = 10_000

VARIABLES_2D = ("x", "y")
VARIABLES_1D = ("w",)
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS: dict[str, object] = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
    "sqrt": math.sqrt, "abs": abs, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
    "arctan": math.atan,
}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}

# Why a node is refused, by its type: the message a user sees.
_REFUSED = {
    ast.Attribute: "attribute access ('.name') is not allowed",
    ast.Subscript: "subscripts ('[...]') are not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.Starred: "starred arguments ('*') are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' / 'or' are not allowed",
    ast.IfExp: "'if ... else' is not allowed",
    ast.Tuple: "tuples (a comma outside a function call) are not allowed",
    ast.List: "lists are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Slice: "slices are not allowed",
}


class ExpressionError(ParamError):
    """A formula is refused. ``column`` is 1-based in the text as typed; ``reason`` says why."""

    def __init__(self, column: int, reason: str) -> None:
        super().__init__(f"column {column}: {reason}")
        self.column = column
        self.reason = reason


# --- the checked tree -------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """A node of a checked formula; ``column`` is where it starts (1-based)."""

    column: int


@dataclass(frozen=True)
class Number(Node):
    value: int | float


@dataclass(frozen=True)
class Symbol(Node):
    """A variable (``x``, ``y``, ``w``) or a constant (``pi``, ``e``)."""

    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" or "+"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # "+", "-", "*", "/" or "^"
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str  # a key of FUNCTIONS
    arg: Node


@dataclass(frozen=True)
class Expression:
    """A checked formula.

    Attributes:
        text: the formula as typed.
        tree: its checked syntax tree.
        variables: the variables it uses, in order (a subset of ``x, y`` or ``("w",)``).
        param_names: the surface's parameters: ``("w",)`` if it uses w, else ``("x", "y")``.
    """

    text: str
    tree: Node
    variables: tuple[str, ...]

    @property
    def param_names(self) -> tuple[str, ...]:
        return VARIABLES_1D if self.variables == VARIABLES_1D else VARIABLES_2D


# --- parsing ----------------------------------------------------------------------------------
def parse_expression(text: str) -> Expression:
    """Parse and check ``text``; raise :class:`ExpressionError` (column and reason) if refused."""
    if not isinstance(text, str):
        raise ExpressionError(1, f"expected text, got {type(text).__name__}")
    return _parse(text)


@lru_cache(maxsize=128)
def _parse(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(MAX_LENGTH + 1,
                              f"the formula is longer than {MAX_LENGTH} characters")
    for i, ch in enumerate(text):
        if not (ch == " " or ch == "\t" or " " < ch <= "~"):
            shown = repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"
            raise ExpressionError(i + 1, f"character {shown} is not allowed (use plain ASCII: "
                                  "digits, letters, + - * / ^ and parentheses)")
    if not text.strip():
        raise ExpressionError(1, "the formula is empty")
    _check_bracket_depth(text)
    source, columns = _power_carets(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        offset = exc.offset or 1
        column = columns[min(max(offset - 1, 0), len(columns) - 1)]
        raise ExpressionError(column, f"syntax error ({exc.msg})") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(1, "the formula cannot be parsed") from None
    checker = _Checker(columns)
    node = checker.convert(tree.body, depth=1)
    cost = derivative_cost(node)
    if cost > MAX_DERIVATIVE_COST:
        raise ExpressionError(1, f"the formula is too complex: its exact second derivatives "
                              f"would have about {cost} parts (at most {MAX_DERIVATIVE_COST})")
    used = checker.variables
    if "w" in used and ({"x", "y"} & used):
        raise ExpressionError(checker.first_column["w"], "use x and y, or w alone, not both")
    if not used:
        raise ExpressionError(1, "the formula uses no variable (x and y, or w)")
    variables = VARIABLES_1D if "w" in used else tuple(v for v in VARIABLES_2D if v in used)
    return Expression(text, node, variables)


def check_expression(text: str) -> None:
    """Raise :class:`ExpressionError` if ``text`` is not an acceptable formula."""
    parse_expression(text)


def _check_bracket_depth(text: str) -> None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(i + 1, f"more than {MAX_DEPTH} nested parentheses")
        elif ch in ")]}":
            depth -= 1


def _power_carets(text: str) -> tuple[str, list[int]]:
    """``text`` with each ``^`` written ``**``, and the typed column of every source column."""
    out: list[str] = []
    columns: list[int] = []
    for i, ch in enumerate(text):
        if ch == "^":
            out.append("**")
            columns += [i + 1, i + 1]
        else:
            out.append(ch)
            columns.append(i + 1)
    columns.append(len(text) + 1)  # one past the end, for errors at the end of the text
    return "".join(out), columns


class _Checker:
    """Converts an :mod:`ast` tree into :class:`Node` s, refusing anything off the whitelist.

    Alongside each node it computes, in floating point, the value of variable-free parts, so
    bounds on constants and exponents are checked without computing anything large.
    """

    def __init__(self, columns: list[int]) -> None:
        self.columns = columns
        self.nodes = 0
        self.variables: set[str] = set()
        self.first_column: dict[str, int] = {}
        self.values: dict[int, float | None] = {}  # id(Node) -> value if constant

    def column(self, node: ast.AST) -> int:
        offset = getattr(node, "col_offset", 0)
        return self.columns[min(offset, len(self.columns) - 1)]

    def convert(self, node: ast.AST, depth: int) -> Node:
        col = self.column(node)
        if depth > MAX_DEPTH:
            raise ExpressionError(col, f"the formula nests more than {MAX_DEPTH} levels deep")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(col, f"the formula has more than {MAX_NODES} parts")
        out, value = self._convert(node, depth, col)
        if value is not None and not (math.isfinite(value) and abs(value) <= MAX_CONSTANT):
            raise ExpressionError(col, "this constant part is not a finite number of at most "
                                  f"{MAX_CONSTANT:g} in magnitude")
        self.values[id(out)] = value
        return out

    def _convert(self, node: ast.AST, depth: int, col: int) -> tuple[Node, float | None]:
        if isinstance(node, ast.Constant):
            return self._constant(node, col)
        if isinstance(node, ast.Name):
            return self._name(node, col)
        if isinstance(node, ast.UnaryOp):
            op = _UNARY.get(type(node.op))
            if op is None:
                raise ExpressionError(col, f"the operator {_op_text(node.op)!r} is not allowed")
            operand = self.convert(node.operand, depth + 1)
            value = self.values[id(operand)]
            return Unary(col, op, operand), (None if value is None else
                                             (-value if op == "-" else value))
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                raise ExpressionError(col, f"the operator {_op_text(node.op)!r} is not allowed")
            # A chain a + b + c … nests on the left; it is long, not deep.
            chain = op != "^" and isinstance(node.left, ast.BinOp)
            left = self.convert(node.left, depth if chain else depth + 1)
            right = self.convert(node.right, depth + 1)
            return Binary(col, op, left, right), self._binary_value(op, left, right, col)
        if isinstance(node, ast.Call):
            return self._call(node, depth, col)
        reason = _REFUSED.get(type(node), f"{type(node).__name__} is not allowed")
        raise ExpressionError(col, reason)

    def _constant(self, node: ast.Constant, col: int) -> tuple[Node, float | None]:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise ExpressionError(col, f"{value!r} is not a number")
        if isinstance(value, (str, bytes)):
            raise ExpressionError(col, "strings are not allowed")
        if isinstance(value, complex):
            raise ExpressionError(col, "complex numbers are not allowed")
        if isinstance(value, int):
            if abs(value) > MAX_CONSTANT:
                raise ExpressionError(col, f"the number is larger than {MAX_CONSTANT:g}")
            number: int | float = value if abs(value) <= 2**53 else float(value)
        elif isinstance(value, float):
            number = value
        else:
            raise ExpressionError(col, f"{type(value).__name__} constants are not allowed")
        return Number(col, number), float(number)

    def _name(self, node: ast.Name, col: int) -> tuple[Node, float | None]:
        name = node.id
        if name in VARIABLES_2D or name in VARIABLES_1D:
            self.variables.add(name)
            self.first_column.setdefault(name, col)
            return Symbol(col, name), None
        if name in CONSTANTS:
            return Symbol(col, name), CONSTANTS[name]
        if name in FUNCTIONS:
            raise ExpressionError(col, f"{name} is a function: write {name}(...)")
        raise ExpressionError(col, f"unknown name {name!r} (allowed: x and y, or w; pi, e; "
                              f"functions {' '.join(FUNCTIONS)})")

    def _call(self, node: ast.Call, depth: int, col: int) -> tuple[Node, float | None]:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise ExpressionError(self.column(func), _REFUSED[ast.Attribute])
            raise ExpressionError(col, "only the listed functions can be called")
        if func.id not in FUNCTIONS:
            raise ExpressionError(col, f"unknown function {func.id!r} (allowed: "
                                  f"{' '.join(FUNCTIONS)})")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError(self.column(arg), _REFUSED[ast.Starred])
        if node.keywords:
            kw = node.keywords[0]
            raise ExpressionError(self.column(kw) if hasattr(kw, "col_offset") else col,
                                  "keyword arguments are not allowed")
        if len(node.args) != 1:
            raise ExpressionError(col, f"{func.id} takes exactly one argument, got "
                                  f"{len(node.args)}")
        arg = self.convert(node.args[0], depth + 1)
        value = self.values[id(arg)]
        if value is not None:
            try:
                value = float(FUNCTIONS[func.id](value))  # type: ignore[operator]
            except (ValueError, OverflowError):
                raise ExpressionError(col, f"{func.id} of the constant {value:g} is not a "
                                      "finite real number") from None
        return Call(col, func.id, arg), value

    def _binary_value(self, op: str, left: Node, right: Node, col: int) -> float | None:
        a, b = self.values[id(left)], self.values[id(right)]
        if op == "^" and b is not None and abs(b) > MAX_EXPONENT:
            raise ExpressionError(right.column, f"the exponent {b:.6g} is too large (at most "
                                  f"{MAX_EXPONENT:g} in magnitude)")
        if a is None or b is None:
            return None
        try:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if op == "/":
                return a / b
            result = a**b
        except ZeroDivisionError:
            raise ExpressionError(col, "division by zero") from None
        except OverflowError:
            raise ExpressionError(col, "this constant part is too large") from None
        if isinstance(result, complex):
            raise ExpressionError(col, "a negative number to a fractional power is not real")
        return float(result)


def _op_text(op: ast.AST) -> str:
    return {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
            ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "xor",
            ast.Not: "not", ast.Invert: "~"}.get(type(op), type(op).__name__)


# --- derivative size ----------------------------------------------------------------------------
def derivative_cost(node: Node) -> int:
    """An upper estimate of the size of the formula's second derivative (in tree nodes).

    The product rule makes derivatives grow: the Hessian of a product of n factors has about
    n³ parts. This bound (size, first-derivative size, second-derivative size per node, by the
    sum, product, power and chain rules, without simplification) is computed from the tree
    alone, so formulas whose exact Hessian would take long to derive are refused before any
    symbolic work starts.
    """
    return _sizes(node)[2]


def _sizes(node: Node) -> tuple[int, int, int]:
    if isinstance(node, (Number, Symbol)):
        return 1, 1, 1
    if isinstance(node, Unary):
        s, d, h = _sizes(node.operand)
        return s + 1, d + 1, h + 1
    if isinstance(node, Call):
        return _chain(_sizes(node.arg))
    assert isinstance(node, Binary)
    a, b = _sizes(node.left), _sizes(node.right)
    if node.op in "+-":
        return a[0] + b[0] + 1, a[1] + b[1] + 1, a[2] + b[2] + 1
    if node.op == "*":
        return _product(a, b)
    if node.op == "/":
        return _product(a, _power_const(b, 1))
    if isinstance(node.right, Number) or not _has_variable(node.right):
        return _power_const(a, b[0])
    return _chain(_product(b, _chain(a)))  # a^b = exp(b·log a)


def _product(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    (sa, da, ha), (sb, db, hb) = a, b
    return sa + sb + 1, da + sb + sa + db + 3, ha + sb + 2 * (da + db) + sa + hb + 6


def _chain(a: tuple[int, int, int]) -> tuple[int, int, int]:
    """f(a): f'(a)·a' and f''(a)·a'² + f'(a)·a''."""
    s, d, h = a
    return s + 1, s + d + 3, 2 * s + 2 * d + h + 8


def _power_const(a: tuple[int, int, int], sc: int) -> tuple[int, int, int]:
    """a^c for a constant c of size sc: c·a^(c−1)·a' and c(c−1)a^(c−2)·a'² + c·a^(c−1)·a''."""
    s, d, h = a
    return s + sc + 1, s + sc + d + 4, 2 * (s + sc) + 2 * d + h + 8


def _has_variable(node: Node) -> bool:
    if isinstance(node, Symbol):
        return node.name not in CONSTANTS
    if isinstance(node, Number):
        return False
    if isinstance(node, Unary):
        return _has_variable(node.operand)
    if isinstance(node, Call):
        return _has_variable(node.arg)
    assert isinstance(node, Binary)
    return _has_variable(node.left) or _has_variable(node.right)


# --- display ----------------------------------------------------------------------------------
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_SHOWN_OP = {"+": " + ", "-": " − ", "*": "·", "/": "/"}


def to_text(node: Node) -> str:
    """The checked formula as readable Unicode: ``(1 − x)² + 100·(y − x²)²``.

    Parentheses only where precedence needs them; small integer exponents as superscripts.
    """
    return _text(node, 0)


def _text(node: Node, outer: int) -> str:
    if isinstance(node, Number):
        return str(node.value) if isinstance(node.value, int) else f"{node.value:.12g}"
    if isinstance(node, Symbol):
        return "π" if node.name == "pi" else node.name
    if isinstance(node, Call):
        return f"{node.func}({_text(node.arg, 0)})"
    if isinstance(node, Unary):
        inner = _text(node.operand, 3)
        shown = ("−" if node.op == "-" else "+") + inner
        return f"({shown})" if outer > 3 else shown
    assert isinstance(node, Binary)
    prec = _PRECEDENCE[node.op]
    if node.op == "^":
        base = _text(node.left, 5)
        exponent = _small_integer(node.right)
        shown = (base + exponent.translate(_SUPERSCRIPT) if exponent is not None
                 else f"{base}^{_text(node.right, 4)}")
    else:
        right_outer = prec + 1 if node.op in "-/" else prec
        shown = _text(node.left, prec) + _SHOWN_OP[node.op] + _text(node.right, right_outer)
    return f"({shown})" if prec < outer else shown


def _small_integer(node: Node) -> str | None:
    """``"2"`` or ``"-1"`` for an integer exponent of at most two digits, else ``None``."""
    sign = ""
    if isinstance(node, Unary) and node.op == "-":
        sign, node = "-", node.operand
    if isinstance(node, Number) and isinstance(node.value, int) and node.value < 100:
        return sign + str(node.value)
    return None
