"""Formulas typed by the user are parsed and checked, never evaluated: an injection corpus."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdsim.core import RunConfig
from gdsim.core.config import ConfigError
from gdsim.core.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    parse_expression,
)
from gdsim.core.surfaces import make_surface
from gdsim.core.surfaces.custom import compile_expression

# (text, a word the refusal must contain)
CORPUS = [
    ("().__class__.__bases__", "attribute"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute"),
    ("x.__class__", "attribute"),
    ("__import__('os').system('touch pwned')", "attribute"),
    ("__import__('os')", "unknown function"),
    ("sin('os')", "strings"),
    ("__import__", "unknown name"),
    ("__import__(x)", "unknown function"),
    ("open('pwned', 'w')", "unknown function"),
    ("open(x)", "unknown function"),
    ("exec(x)", "unknown function"),
    ("eval(x)", "unknown function"),
    ("globals()", "unknown function"),
    ("__builtins__", "unknown name"),
    ("sin.__globals__", "attribute"),
    ("lambda: 0", "lambda"),
    ("(lambda x: x)(1)", "only the listed functions"),
    ("[x for x in (1, 2)]", "comprehension"),
    ("sum(x for x in (1, 2))", "unknown function"),
    ("{x: 1}", "dictionaries"),
    ("f'{x}'", "f-strings"),
    ('f"{__import__(\'os\').system(\'touch pwned\')}"', "f-strings"),
    ("'x'", "strings"),
    ("b'x'", "strings"),
    ("9**9**9**9", "exponent"),
    ("9^9^9^9", "exponent"),
    ("x**(10**6)", "exponent"),
    ("(99^99)^99 + x", "constant"),
    ("10**400 * x", "exponent"),
    ("10.0**99 * 10.0**99 * 10.0**99 * 10**99 * x", "constant"),
    ("1e999 * x", "constant"),
    ("exp(1e6) + x", "exp of the constant"),
    ("(" * 200 + "x" + ")" * 200, "nested"),
    ("-" * 200 + "x", "levels deep"),
    ("sin(" * 60 + "x" + ")" * 60, "nested"),
    ("sin(" * 100 + "x" + ")" * 100, "longer than"),
    ("x" + " + x" * 30_000, "longer than"),
    ("x" * 100_000, "longer than"),
    ("*".join(f"sin(x + {i})" for i in range(25)), "too complex"),
    ("(y := 1)", "assignment"),
    ("sin(*x)", "starred"),
    ("sin(x, y)", "exactly one argument"),
    ("sin(x=1)", "keyword"),
    ("sin(**x)", "keyword"),
    ("x[0]", "subscript"),
    ("x if y else 1", "if"),
    ("x < y", "comparison"),
    ("x and y", "'and'"),
    ("not x", "operator"),
    ("~x", "operator"),
    ("x % 2", "operator"),
    ("x // 2", "operator"),
    ("x @ y", "operator"),
    ("x << 2", "operator"),
    ("x, y", "tuple"),
    ("1j * x", "complex"),
    ("True + x", "not a number"),
    ("None", "not a number"),
    ("...", "not a number"),
    ("x + w", "not both"),
    ("3", "no variable"),
    ("", "empty"),
    ("x\n+ y", "character"),
    ("x; import os", "syntax error"),
    ("x × y", "character"),
    ("await x", "await"),
    ("sin", "is a function"),
    ("x.real", "attribute"),
    ("pi(x)", "unknown function"),
    ("sin(x)(y)", "only the listed functions"),
    ("log(-1) + x", "not a finite real number"),
    ("1/0 + x", "division by zero"),
    ("(-8)^(1/3) + x", "not real"),
]


@pytest.mark.parametrize(("text", "word"), CORPUS, ids=[repr(t[:40]) for t, _ in CORPUS])
def test_refused_with_position_and_reason(text: str, word: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    calls: list[str] = []
    _forbid_side_effects(monkeypatch, calls)
    modules = set(sys.modules)
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    error = info.value
    assert word in error.reason, error.reason
    assert 1 <= error.column <= MAX_LENGTH + 1
    assert str(error).startswith(f"column {error.column}: ")
    with pytest.raises(ConfigError) as config_error:
        RunConfig(surface="custom", surface_params={"expression": text})
    assert config_error.value.field == "surface_params.expression"
    with pytest.raises(ValueError):
        make_surface("custom", {"expression": text})
    assert calls == []
    assert set(sys.modules) == modules  # nothing imported
    assert list(tmp_path.iterdir()) == []


def _forbid_side_effects(monkeypatch: pytest.MonkeyPatch, calls: list[str]) -> None:
    """Record (and block) any attempt to open a file, evaluate code or start a process."""

    def blocked(name: str):
        def hook(*_args, **_kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called")
        return hook

    for name in ("system", "popen", "execv", "execve", "execvp", "spawnv", "spawnvp",
                 "posix_spawn", "posix_spawnp", "fork", "remove", "unlink", "mkdir"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, blocked(f"os.{name}"))
    monkeypatch.setattr(subprocess, "Popen", blocked("subprocess.Popen"))
    monkeypatch.setattr(builtins, "open", blocked("open"))
    monkeypatch.setattr(builtins, "eval", blocked("eval"))
    monkeypatch.setattr(builtins, "exec", blocked("exec"))


def test_columns_are_in_the_text_as_typed() -> None:
    """``^`` becomes ``**`` inside the parser; columns still count the typed characters."""
    for text, column in (("x^2 + y.real", 7), ("x^2^2 + foo", 9), ("sin(x) + x[1]", 10),
                         ("x + (y := 2)", 6), ("2*x^2 + 3 $ y", 11), ("x^2 + 9^9^9", 9)):
        with pytest.raises(ExpressionError) as info:
            parse_expression(text)
        assert info.value.column == column, (text, str(info.value))


def test_limits_allow_real_formulas() -> None:
    deep = "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    for text in ("(1 - x)^2 + 100*(y - x^2)^2", "x^100 + y^-100", "2^x", deep,
                 "sin(x)*cos(y) + 0.1*(x^2+y^2)", "exp(-x^2)*e^pi + 1e300*0 + y"):
        parse_expression(text)


def test_the_corpus_finishes_quickly_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """No formula makes the parser or SymPy compute for long: the whole corpus, and the worst
    formulas that pass the limits, run in a fresh interpreter well within the time-out."""
    worst = ["*".join(f"sin(x + {i})" for i in range(15)),
             "+".join(f"exp(x*y + {i})/(1 + x^{i % 7 + 1})" for i in range(12)),
             "x^y^x^y^x^y", "sin(" * 20 + "x*y" + ")" * 20]
    for text in worst:
        parse_expression(text)  # within the limits
    code = (
        "import sys\n"
        "from gdsim.core.expression import ExpressionError, parse_expression\n"
        "from gdsim.core.surfaces.custom import compile_expression\n"
        f"corpus = {[t for t, _ in CORPUS]!r}\n"
        "for text in corpus:\n"
        "    try:\n"
        "        parse_expression(text)\n"
        "    except ExpressionError:\n"
        "        continue\n"
        "    sys.exit('accepted: ' + text)\n"
        f"for text in {worst!r}:\n"
        "    compile_expression(text).loss_and_grad(0.5, 0.5)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True,
                            cwd=tmp_path, timeout=90, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    assert list(tmp_path.iterdir()) == []


def test_accepted_formulas_are_compiled_without_side_effects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy  # noqa: F401  (imported before the hooks block imports)

    compile_expression("x")  # lambdify's own imports happen once, before the hooks
    compile_expression.cache_clear()
    monkeypatch.chdir(tmp_path)
    calls: list[str] = []
    real_eval, real_exec = builtins.eval, builtins.exec
    _forbid_side_effects(monkeypatch, calls)
    monkeypatch.setattr(builtins, "eval", real_eval)  # the import machinery and lambdify
    monkeypatch.setattr(builtins, "exec", real_exec)  # need these
    compiled = compile_expression("sqrt(x^2 + 1) * exp(-y) + arctan(x*y)")
    assert compiled.loss_and_grad(0.0, 0.0)[0] == pytest.approx(1.0)
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_the_formula_is_shown_in_unicode_with_only_the_parentheses_it_needs() -> None:
    from gdsim.core.expression import to_text

    for typed, shown in (("(1 - x)^2 + 100*(y - x^2)^2", "(1 − x)² + 100·(y − x²)²"),
                         ("sin(x)*cos(y) + 0.1*(x^2+y^2)", "sin(x)·cos(y) + 0.1·(x² + y²)"),
                         ("x - (y - 1)", "x − (y − 1)"), ("x/(y*2)", "x/(y·2)"),
                         ("(-x)^2", "(−x)²"), ("-x^2", "−x²"), ("x^-2", "x⁻²"),
                         ("(x^2)^3", "(x²)³"), ("x^(1/2)", "x^(1/2)"), ("pi*w", "π·w")):
        assert to_text(parse_expression(typed).tree) == shown
