"""The ``gdsim`` command line.

``gdsim``                   launch the desktop app (``gdsim FILE`` opens a saved session)
``gdsim list WHAT``         list surfaces, optimizers or schedules with their parameters
``gdsim run ...``           run headless and write the trajectory as CSV
``gdsim sweep|lr-find|basins|momentum-map|race ...``  maps of many runs (:mod:`gdsim.cli_maps`)

``run`` and ``list`` never import Qt. Bad arguments, unreadable inputs and unwritable outputs
exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from gdsim import __version__

EXIT_USAGE = 2
MAX_RUN_STEPS = 1_000_000
"""The most updates ``gdsim run`` makes: it keeps the whole trajectory (~70 bytes a step)."""


class UsageError(Exception):
    """A bad command-line argument; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """Parse, refusing the empty value argparse makes of ``--option=--``."""
        parsed = super().parse_args(args, namespace)
        for action in self._actions:
            value = getattr(parsed, action.dest, None)
            if action.nargs is None and action.option_strings and (
                    isinstance(value, list) and not all(isinstance(v, str) for v in value)
                    if isinstance(action, argparse._AppendAction) else isinstance(value, list)):
                self.error(f"argument {action.option_strings[0]}: expected one value")
        return parsed


def _key_values(items: Sequence[str] | None, option: str) -> dict[str, Any]:
    from gdsim.core.params import parse_value

    result: dict[str, Any] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"gdsim run: {option} expects KEY=VALUE, got {item!r}")
        result[key.strip()] = parse_value(value.strip())
    return result


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _start(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected X or X,Y (numbers separated by a comma), got {text!r}") from None


def _batch(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 'full' or at least 1, got {text!r}")
    return value


def _run_parser() -> _Parser:
    p = _Parser(prog="gdsim run", description="Run an optimizer on a surface, headless, and "
                "write the trajectory as CSV.")
    p.add_argument("--surface", help="surface name (see 'gdsim list surfaces')")
    p.add_argument("--optimizer", help="optimizer name (see 'gdsim list optimizers')")
    p.add_argument("--lr", type=_float, help="learning rate (default: the surface's choice "
                   "for this optimizer)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="an optimizer hyperparameter, e.g. momentum=0.8 (repeatable)")
    p.add_argument("--surface-param", action="append", metavar="KEY=VALUE",
                   help="a surface parameter, e.g. condition=50 (repeatable)")
    p.add_argument("--data", type=Path, metavar="CSV",
                   help="points to fit (columns x and y; y = 0 or 1 for logistic-regression) "
                   "instead of generated data, for the data-driven surfaces")
    p.add_argument("--schedule", help="learning-rate schedule (default: constant)")
    p.add_argument("--schedule-param", action="append", metavar="KEY=VALUE",
                   help="a schedule parameter, e.g. gamma=0.9 (repeatable)")
    p.add_argument("--batch-size", type=_batch, default=argparse.SUPPRESS, metavar="B",
                   help="examples per step: 'full' (default), 1 (SGD) or a mini-batch size")
    p.add_argument("--start", type=_start, metavar="X[,Y]",
                   help="start point (use --start=-1,2 for negative numbers)")
    p.add_argument("--steps", type=_int, help="number of updates (the step limit, at most "
                   f"{MAX_RUN_STEPS:,})")
    p.add_argument("--seed", type=_int, help="random seed for data and batches")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="a saved session or config JSON; other options override it")
    p.add_argument("--csv", metavar="PATH", help="write the trajectory as CSV ('-' = stdout)")
    p.add_argument("--plot", metavar="PATH", help="write the trajectory plot; the format "
                   "follows the extension: .png, .svg, .pdf, or .gif (an animation)")
    p.add_argument("--frames", type=_int, default=60, metavar="N",
                   help="frames of a .gif animation (default 60)")
    p.add_argument("--fps", type=_float, default=15.0, metavar="F",
                   help="frames per second of a .gif animation (default 15)")
    return p


def _list_parser() -> _Parser:
    p = _Parser(prog="gdsim list", description="List what gdsim offers.")
    p.add_argument("what", choices=["surfaces", "optimizers", "schedules"])
    return p


def _app_parser() -> _Parser:
    p = _Parser(prog="gdsim", description="Watch gradient descent work. Sub-commands: "
                "'gdsim run --help', 'gdsim list --help'.")
    p.add_argument("--version", action="version", version=f"gdsim {__version__}")
    p.add_argument("--reset-settings", action="store_true",
                   help="forget the remembered window layout and last configuration")
    p.add_argument("file", nargs="?", type=Path, help="a saved session to open")
    return p


def _join_negative_start(argv: list[str]) -> list[str]:
    """Accept ``--start -1,2`` as well as ``--start=-1,2``."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--start" and i + 1 < len(argv) and argv[i + 1][:1] == "-" \
                and argv[i + 1][1:2].isdigit() | (argv[i + 1][1:2] == "."):
            out.append(f"--start={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


# --- list -------------------------------------------------------------------------------------
def _format_specs(specs: Sequence[Any]) -> list[str]:
    return [f"      {s.name} = {s.format(s.default):<10} {s.interval():<14} {s.description}"
            for s in specs]


def cmd_list(what: str, out: Any = None) -> int:
    out = out or sys.stdout
    lines: list[str] = []
    if what == "surfaces":
        from gdsim.core.surfaces import SURFACES

        for name, cls in SURFACES.items():
            names = cls.param_names
            shown = ", ".join(names) if len(names) <= 6 else f"{names[0]}, …, {names[-1]}"
            lines.append(f"{name:<20} {cls.title}: L({shown}) = {cls.formula}")
            lines.append(f"    {cls.summary}")
            lines += _format_specs(cls.specs)
    elif what == "optimizers":
        from gdsim.core.optimizers import OPTIMIZERS

        for name, opt in OPTIMIZERS.items():
            lines.append(f"{name:<20} {opt.title}: {opt.summary}")
            lines.append(f"    = {opt.torch_equivalent}")
            lines += _format_specs(opt.specs)
    else:
        from gdsim.core.schedules import SCHEDULES

        for name, sched in SCHEDULES.items():
            lines.append(f"{name:<20} {sched.title}: {sched.summary}")
            lines.append(f"    = {sched.torch_equivalent}")
            lines += _format_specs(sched.specs)
    text = "\n".join(lines)
    _to_stdout("gdsim list: cannot write the list", lambda stream: print(text, file=stream), out)
    return 0


# --- run --------------------------------------------------------------------------------------
def build_config(args: argparse.Namespace) -> Any:
    """The :class:`RunConfig` the ``run`` options describe (a config file, then overrides)."""
    from gdsim.core.config import RunConfig

    base = RunConfig()
    if args.config is not None:
        from gdsim.core.session import load_session

        base = load_session(args.config).configs[0]
    changes: dict[str, Any] = {}
    if args.surface is not None:
        changes["surface"] = args.surface
        if args.surface != base.surface:
            changes.setdefault("surface_params", {})
            changes.setdefault("start", None)
    if args.optimizer is not None:
        changes["optimizer"] = args.optimizer
        if args.optimizer != base.optimizer:
            changes["optimizer_params"] = {}
            changes["lr"] = None
    if args.schedule is not None:
        changes["schedule"] = args.schedule
        if args.schedule != base.schedule:
            changes["schedule_params"] = {}
    if args.lr is not None:
        changes["lr"] = args.lr
    for option, key in (("param", "optimizer_params"), ("surface_param", "surface_params"),
                        ("schedule_param", "schedule_params")):
        given = _key_values(getattr(args, option), "--" + option.replace("_", "-"))
        if given:
            changes[key] = {**changes.get(key, getattr(base, key)), **given}
    if args.data is not None:
        changes["surface_params"] = {**changes.get("surface_params", base.surface_params),
                                     "data": str(args.data.resolve())}
    if hasattr(args, "batch_size"):
        changes["batch_size"] = args.batch_size
    for option, key in (("start", "start"), ("steps", "max_steps"), ("seed", "seed")):
        value = getattr(args, option)
        if value is not None:
            changes[key] = value
    if args.config is None:
        return RunConfig(**{**base.to_dict(), **changes})
    return base.with_changes(**changes)


def cmd_run(argv: Sequence[str]) -> int:
    args = _run_parser().parse_args(_join_negative_start(list(argv)))
    from gdsim.core.config import ConfigError
    from gdsim.core.csvio import write_csv
    from gdsim.core.fileio import atomic_path
    from gdsim.core.run import Run
    from gdsim.core.session import SessionError

    if args.steps is not None and not 0 <= args.steps <= MAX_RUN_STEPS:
        raise UsageError(f"gdsim run: --steps must be from 0 to {MAX_RUN_STEPS:,} (gdsim run "
                         f"keeps the whole trajectory in memory), got {args.steps:,}")
    try:
        config = build_config(args)
    except ConfigError as exc:  # the reason names the option's key already: say it once
        leaf = exc.field.rsplit(".", 1)[-1]
        raise UsageError(f"gdsim run: {exc.reason if f'({leaf})' in exc.reason else exc}") \
            from None
    except SessionError as exc:
        raise UsageError(f"gdsim run: {exc}") from None
    if config.max_steps > MAX_RUN_STEPS:
        raise UsageError(f"gdsim run: the step limit {config.max_steps:,} is more than gdsim "
                         f"run makes (at most {MAX_RUN_STEPS:,}): lower it with --steps")
    if args.plot is not None and Path(args.plot).suffix.lower() not in PLOT_FORMATS:
        raise UsageError(f"gdsim run: --plot: unknown format {Path(args.plot).suffix or '(none)'!r}"
                         f" for {args.plot}: use {', '.join(PLOT_FORMATS)}")
    if not 1 <= args.frames <= 1000:
        raise UsageError(f"gdsim run: --frames must be between 1 and 1000, got {args.frames}")
    if not 0 < args.fps <= 100:
        raise UsageError(f"gdsim run: --fps must be in (0, 100], got {args.fps:g}")
    for option, target in (("--csv", args.csv), ("--plot", args.plot)):
        if target is not None and target != "-":
            _check_writable(option, Path(target))
    try:
        run = Run(config)
    except ValueError as exc:  # a surface that cannot be built (a formula undefined everywhere)
        raise UsageError(f"gdsim run: surface_params: {exc}") from None
    run.advance(config.max_steps)
    if args.csv == "-":
        _to_stdout("gdsim run: cannot write the CSV", lambda stream: write_csv(run, stream))
    elif args.csv is not None:
        try:
            with atomic_path(Path(args.csv)) as tmp, \
                    open(tmp, "w", newline="", encoding="utf-8") as stream:
                write_csv(run, stream)
        except OSError as exc:
            raise UsageError(f"gdsim run: cannot write {args.csv} ({exc.strerror or exc})") \
                from None
    if args.plot is not None:
        try:
            _write_plot(run, Path(args.plot), args.frames, args.fps)
        except (OSError, ValueError) as exc:
            text = str(exc)
            if args.plot not in text:
                text = f"cannot write {args.plot} ({text})"
            raise UsageError(f"gdsim run: {text[:1].lower()}{text[1:]}") from None
    print(f"{config.surface} / {config.optimizer}: {run.summary()}", file=sys.stderr)
    return 0


PLOT_FORMATS = (".png", ".svg", ".pdf", ".gif")


def _check_writable(option: str, path: Path) -> None:
    """Refuse an output path that cannot be written before running, not after."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        reason = "it is a folder"
    elif not folder.is_dir():
        reason = f"the folder {folder} does not exist"
    elif not os.access(folder, os.W_OK):
        reason = f"the folder {folder} is not writable"
    else:
        return
    raise UsageError(f"gdsim run: {option}: cannot write {path}: {reason}")


def _to_stdout(failure: str, write: Any, stream: Any = None) -> None:
    """``write(stream)`` to standard output (or ``stream``), flushed; a closed or full output is
    one :class:`UsageError` line starting with ``failure``. A reader that left early
    (BrokenPipeError) is no error: :func:`main` handles it."""
    stream = stream or sys.stdout
    if stream is None:  # started with standard output closed
        raise UsageError(f"{failure} to standard output: it is closed")
    try:
        write(stream)
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: a closed file object
        _silence_stdout()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UsageError(f"{failure} to standard output ({reason})") from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # none, or not a real file (tests capture it)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _write_plot(run: Any, path: Path, frames: int, fps: float) -> None:
    """Render the plot with the app's own views, offscreen: no window, no display needed."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gdsim.app.files.export import ExportError
    from gdsim.app.files.figure import plot_run

    app = QApplication.instance() or QApplication(["gdsim"])  # alive while rendering
    try:
        plot_run(run, path, frames=frames, fps=fps)
    except ExportError as exc:
        raise ValueError(str(exc)) from None
    app.processEvents()


# --- app --------------------------------------------------------------------------------------
def cmd_app(argv: Sequence[str]) -> int:
    args = _app_parser().parse_args(list(argv))
    if args.file is not None and not args.file.exists():
        raise UsageError(f"gdsim: no such file: {args.file}")
    from gdsim.app.main import launch

    return launch(session_file=args.file, reset_settings=args.reset_settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gdsim`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["run"]:
            return cmd_run(argv[1:])
        if argv[:1] == ["list"]:
            return cmd_list(_list_parser().parse_args(argv[1:]).what)
        from gdsim.cli_maps import MAP_COMMANDS  # sweep, lr-find, basins, momentum-map, race

        if argv[:1] and argv[0] in MAP_COMMANDS:
            return MAP_COMMANDS[argv[0]](argv[1:])
        return cmd_app(argv)
    except UsageError as exc:
        from gdsim.core.params import printable

        print(printable(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version: argparse printed them and exits
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `gdsim list surfaces | head`: the reader left early
        _silence_stdout()
        return 0
