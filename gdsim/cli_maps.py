"""The map sub-commands of ``gdsim``: ``sweep``, ``lr-find``, ``basins``, ``momentum-map`` and
``race`` (see :mod:`gdsim.core.maps`).

Each computes its map headless (no Qt unless ``--plot`` is given), writes a CSV with ``--csv``
(``-`` = standard output) and a PNG figure with ``--plot``, and prints a one-line summary on
standard error. Bad arguments exit with status 2 and one line.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from gdsim.cli import UsageError, _batch, _float, _int, _join_negative_start, _Parser, _start

SWEEP_COLUMNS = ("lr", "final_loss", "steps", "status")
LR_FIND_COLUMNS = ("step", "lr", "loss", "smoothed_loss")
BASIN_COLUMNS = ("x0", "y0", "x", "y", "loss", "steps", "status", "minimum")
MOMENTUM_COLUMNS = ("lr", "momentum", "final_loss", "steps", "status")
RACE_COLUMNS = ("optimizer", "lr", "final_loss", "steps_to_tol", "status")


def _pair(text: str) -> tuple[float, float]:
    try:
        a, b = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected A,B (two numbers), got {text!r}") from None
    return a, b


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _common(p: _Parser, *, optimizer: bool = True, start: bool = True) -> None:
    p.add_argument("--surface", required=True, help="surface name (see 'gdsim list surfaces')")
    p.add_argument("--surface-param", action="append", metavar="KEY=VALUE",
                   help="a surface parameter, e.g. condition=50 (repeatable)")
    if optimizer:
        p.add_argument("--optimizer", required=True,
                       help="optimizer name (see 'gdsim list optimizers')")
        p.add_argument("--param", action="append", metavar="KEY=VALUE",
                       help="an optimizer hyperparameter, e.g. momentum=0.8 (repeatable)")
    p.add_argument("--batch-size", type=_batch, default=None, metavar="B",
                   help="examples per step: 'full' (default), 1 (SGD) or a mini-batch size")
    if start:
        p.add_argument("--start", type=_start, metavar="X[,Y]",
                       help="start point (default: the surface's; --start=-1,2 for negatives)")
    p.add_argument("--seed", type=_int, default=0, help="random seed for data and batches")
    p.add_argument("--csv", metavar="PATH", help="write the map as CSV ('-' = stdout)")
    p.add_argument("--plot", metavar="PATH", help="write a PNG figure of the map")


def _rates(p: _Parser, points: bool = True) -> None:
    p.add_argument("--lr-min", type=_float, required=True, metavar="A", help="smallest η")
    p.add_argument("--lr-max", type=_float, required=True, metavar="B", help="largest η")
    if points:
        p.add_argument("--points", type=_int, required=True, metavar="K",
                       help="number of rates, log-spaced (up to 10,000)")
    p.add_argument("--steps", type=_int, required=True, metavar="T", help="updates per run")


def sweep_parser() -> _Parser:
    p = _Parser(prog="gdsim sweep", description="Learning-rate sweep: K rates log-spaced in "
                "[A, B], one start, T steps each; final loss, steps and status per rate.")
    _common(p)
    _rates(p)
    return p


def lr_find_parser() -> _Parser:
    p = _Parser(prog="gdsim lr-find", description="LR range test (Smith 2015; fastai's "
                "lr_find): one run whose rate grows exponentially from A to B over T steps.")
    _common(p)
    _rates(p, points=False)
    return p


def basins_parser() -> _Parser:
    p = _Parser(prog="gdsim basins", description="Basins of attraction: a GxG grid of starts, "
                "T steps each, labelled by the surface's minimum each run ends in.")
    _common(p, start=False)
    p.add_argument("--lr", type=_float, help="learning rate (default: the surface's choice)")
    p.add_argument("--grid", type=_int, required=True, metavar="G", help="starts per side "
                   "(up to 512)")
    p.add_argument("--x-range", type=_pair, metavar="A,B", help="x range (default: the view)")
    p.add_argument("--y-range", type=_pair, metavar="C,D", help="y range (default: the view)")
    p.add_argument("--steps", type=_int, required=True, metavar="T", help="updates per run")
    return p


def momentum_parser() -> _Parser:
    p = _Parser(prog="gdsim momentum-map", description="Momentum map: a grid over (η, μ) for "
                "momentum or Nesterov, final loss and steps per cell, with the quadratic "
                "theory's regions where the surface is quadratic.")
    _common(p)
    _rates(p, points=False)
    p.add_argument("--points", type=_int, default=64, metavar="K",
                   help="η cells, log-spaced (default 64)")
    p.add_argument("--mu-points", type=_int, default=64, metavar="M",
                   help="μ cells (default 64)")
    p.add_argument("--mu-min", type=_float, default=0.0, help="smallest μ edge (default 0)")
    p.add_argument("--mu-max", type=_float, default=1.0, help="largest μ edge (default 1)")
    p.add_argument("--colour", choices=["loss", "steps"], default="loss",
                   help="colour the plot by final loss (default) or steps to converge")
    return p


def race_parser() -> _Parser:
    from gdsim.core.maps.race import DEFAULT_OPTIMIZERS

    p = _Parser(prog="gdsim race", description="Race optimizers on one surface and start; "
                "with --tune each at the rate its own sweep found best within T steps.")
    _common(p, optimizer=False)
    p.add_argument("--optimizers", type=_names, default=tuple(DEFAULT_OPTIMIZERS),
                   metavar="A,B,C", help=f"optimizers (default {','.join(DEFAULT_OPTIMIZERS)})")
    p.add_argument("--steps", type=_int, required=True, metavar="T", help="the step budget")
    p.add_argument("--tune", action="store_true", help="tune each optimizer's η by a sweep "
                   "(default: the surface's default rate for each)")
    p.add_argument("--points", type=_int, default=100, metavar="K",
                   help="rates per tuning sweep (default 100)")
    return p


# --- shared plumbing ------------------------------------------------------------------------
def _key_values(items: Sequence[str] | None, option: str, prog: str) -> dict[str, Any]:
    from gdsim.core.params import parse_value

    result: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"{prog}: {option} expects KEY=VALUE, got {item!r}")
        result[key.strip()] = parse_value(value.strip())
    return result


def _config(args: argparse.Namespace, prog: str, **extra: Any) -> Any:
    from gdsim.core.config import RunConfig

    fields: dict[str, Any] = {
        "surface": args.surface,
        "surface_params": _key_values(args.surface_param, "--surface-param", prog),
        "batch_size": args.batch_size, "seed": args.seed,
        "start": getattr(args, "start", None),
    }
    if getattr(args, "optimizer", None) is not None:
        fields["optimizer"] = args.optimizer
        fields["optimizer_params"] = _key_values(args.param, "--param", prog)
    fields.update(extra)
    return RunConfig(**fields)


def _check_plot(args: argparse.Namespace, prog: str) -> None:
    if args.plot is not None and Path(args.plot).suffix.lower() != ".png":
        raise UsageError(f"{prog}: --plot: write a .png file, got {args.plot}")


def _write_csv(path: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               prog: str) -> int:
    if path is None:
        return 0

    def write(stream: Any) -> None:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([repr(v) if isinstance(v, float) else v for v in row])

    if path == "-":
        write(sys.stdout)
        return 0
    try:
        with open(path, "w", newline="", encoding="utf-8") as stream:
            write(stream)
    except OSError as exc:
        print(f"{prog}: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _write_plot(result: Any, path: str | None, prog: str, **options: Any) -> int:
    """Render the map's figure offscreen (no window, no display needed)."""
    if path is None:
        return 0
    import os

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gdsim.app.plots.maps_plots import save_map_png

    app = QApplication.instance() or QApplication(["gdsim"])  # alive while rendering
    try:
        save_map_png(result, Path(path), **options)
    except (OSError, ValueError) as exc:
        print(f"{prog}: cannot write {path}: {exc}", file=sys.stderr)
        return 1
    app.processEvents()
    return 0


def _computed(prog: str, compute: Callable[[], Any]) -> Any:
    from gdsim.core.config import ConfigError

    try:
        return compute()
    except (ConfigError, ValueError) as exc:
        raise UsageError(f"{prog}: {exc}") from None


def _join_negative_pairs(argv: list[str]) -> list[str]:
    """Accept ``--x-range -5,5`` (and ``--y-range``) as well as ``--x-range=-5,5``."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        value = argv[i + 1] if i + 1 < len(argv) else ""
        if argv[i] in ("--x-range", "--y-range") and value[:1] == "-" \
                and (value[1:2].isdigit() or value[1:2] == "."):
            out.append(f"{argv[i]}={value}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def _parse(parser: _Parser, argv: Sequence[str]) -> argparse.Namespace:
    args = parser.parse_args(_join_negative_pairs(_join_negative_start(list(argv))))
    _check_plot(args, parser.prog)
    return args


def _finish(result: Any, args: argparse.Namespace, prog: str, columns: Sequence[str],
            summary: str, **plot_options: Any) -> int:
    status = _write_csv(args.csv, columns, result.rows(), prog)
    status = status or _write_plot(result, args.plot, prog, **plot_options)
    print(summary, file=sys.stderr)
    return status


def _fmt(value: float | None) -> str:
    return "none" if value is None else f"{value:.4g}"


# --- the commands ---------------------------------------------------------------------------
def cmd_sweep(argv: Sequence[str]) -> int:
    from gdsim.core.maps import lr_sweep

    prog = "gdsim sweep"
    args = _parse(sweep_parser(), argv)
    result = _computed(prog, lambda: lr_sweep(_config(args, prog), args.lr_min, args.lr_max,
                                              args.points, args.steps))
    theory = ", ".join(f"{k} {v:.4g}" for k, v in result.thresholds.items()) or "none"
    summary = (f"{args.surface} / {args.optimizer}: {len(result.lr)} rates, best η = "
               f"{_fmt(result.best_lr)}, diverges from η = {_fmt(result.divergence_lr)}; "
               f"stability threshold (theory): {theory}")
    return _finish(result, args, prog, SWEEP_COLUMNS, summary)


def cmd_lr_find(argv: Sequence[str]) -> int:
    from gdsim.core.maps import lr_find, lr_sweep
    from gdsim.core.maps.lr_find import CAVEAT

    prog = "gdsim lr-find"
    args = _parse(lr_find_parser(), argv)
    config = _computed(prog, lambda: _config(args, prog))
    result = _computed(prog, lambda: lr_find(config, args.lr_min, args.lr_max, args.steps))
    sweep = lr_sweep(config, args.lr_min, args.lr_max, 100, args.steps)
    summary = (f"{args.surface} / {args.optimizer}: suggested η = {_fmt(result.suggestion)} "
               f"(steepest fall of the smoothed loss; {len(result.lr)} of {args.steps} steps"
               f"{', stopped when the loss blew up' if result.stopped_early else ''}); the "
               f"sweep's best η over the same range and steps = {_fmt(sweep.best_lr)}. "
               f"{CAVEAT}")
    return _finish(result, args, prog, LR_FIND_COLUMNS, summary, sweep=sweep)


def cmd_basins(argv: Sequence[str]) -> int:
    import numpy as np

    from gdsim.core.maps import basins

    prog = "gdsim basins"
    args = _parse(basins_parser(), argv)
    result = _computed(prog, lambda: basins(_config(args, prog, lr=args.lr), args.grid,
                                            args.steps, x_range=args.x_range,
                                            y_range=args.y_range))
    counts = np.bincount(result.minimum + 1, minlength=len(result.minima) + 1)
    found = ", ".join(f"#{k}: {counts[k + 1]}" for k in range(len(result.minima))
                      if counts[k + 1]) or "none"
    summary = (f"{args.surface} / {args.optimizer}: {result.grid}×{result.grid} starts; "
               f"ending in minimum {found}; in none: {counts[0]}")
    return _finish(result, args, prog, BASIN_COLUMNS, summary)


def cmd_momentum_map(argv: Sequence[str]) -> int:
    from gdsim.core.maps import momentum_map

    prog = "gdsim momentum-map"
    args = _parse(momentum_parser(), argv)
    result = _computed(prog, lambda: momentum_map(
        _config(args, prog), args.lr_min, args.lr_max, args.steps, lr_points=args.points,
        mu_points=args.mu_points, mu_min=args.mu_min, mu_max=args.mu_max))
    theory = "no quadratic theory here"
    if result.theory is not None:
        lams = ", ".join(f"{v:.4g}" for v in result.theory.eigenvalues)
        theory = f"quadratic, Hessian eigenvalues {lams}"
        if result.theory.optimum is not None:
            eta, mu = result.theory.optimum
            theory += f", optimum η = {eta:.4g}, μ = {mu:.4g}"
    summary = (f"{args.surface} / {args.optimizer}: {len(result.lr)}×{len(result.mu)} cells "
               f"(η × μ); {theory}")
    return _finish(result, args, prog, MOMENTUM_COLUMNS, summary, colour=args.colour)


def cmd_race(argv: Sequence[str]) -> int:
    from gdsim.core.maps import race

    prog = "gdsim race"
    args = _parse(race_parser(), argv)
    result = _computed(prog, lambda: race(_config(args, prog), args.optimizers, args.steps,
                                          tuned=args.tune, points=args.points))
    lines = [f"{args.surface}, {args.steps} steps, "
             f"{'tuned rates' if args.tune else 'default rates'}:"]
    for name, lr, loss, steps, status in result.rows():
        lines.append(f"  {name:<10} η = {lr:<10.4g} final loss {loss:<12.4g} "
                     f"steps to 1e-6: {steps if steps != '' else '—':<6} {status}")
    return _finish(result, args, prog, RACE_COLUMNS, "\n".join(lines))


MAP_COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "sweep": cmd_sweep,
    "lr-find": cmd_lr_find,
    "basins": cmd_basins,
    "momentum-map": cmd_momentum_map,
    "race": cmd_race,
}
