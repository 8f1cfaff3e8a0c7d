"""The `chokepoint` command: a thin typer layer over `Workbench`.

Each module in this package that defines `register(app)` adds its commands; exit codes are
0 ok, 2 bad input (the message names file, line and field), 1 internal error, 130
interrupted (Ctrl-C or SIGTERM).
"""
from __future__ import annotations

import importlib
import pkgutil
import signal
import sys

import click
import duckdb
import typer
from rich.text import Text

from chokepoint.cli.common import err_console
from chokepoint.errors import BadInput, ChokepointError

INTERRUPTED = 130  # 128 + SIGINT, the shell's convention
app = typer.Typer(name="chokepoint", no_args_is_help=True, add_completion=False,
                  help="Critical-mineral exposure, stress tests, decisions and news signals.",
                  pretty_exceptions_enable=False)


def _register_all() -> None:
    import chokepoint.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name == "common":
            continue
        module = importlib.import_module(f"chokepoint.cli.{info.name}")
        if hasattr(module, "register"):
            module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the app and maps errors to exit codes and readable messages."""
    try:
        code = app(args=argv, standalone_mode=False)
        if code == INTERRUPTED:  # typer turns Ctrl-C into this exit code, silently
            return _interrupted()
    except BadInput as exc:
        _error("error", exc)
        return 2
    except ChokepointError as exc:
        _error("error", exc)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (KeyboardInterrupt, duckdb.InterruptException):
        return _interrupted()
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            return _interrupted()
        err_console.print("aborted")
        return 1
    except Exception as exc:  # a bug, not bad input: say so and exit 1
        _error("internal error", f"{type(exc).__name__}: {exc}")
        return 1
    return 0


def _interrupted() -> int:
    """Ctrl-C: one line and exit 130 (128 + SIGINT); the store kept its last committed state."""
    err_console.print("interrupted: nothing was committed by the unfinished step", highlight=False)
    return INTERRUPTED


def _terminate(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so transactions roll back and scratch folders go."""
    raise KeyboardInterrupt


def _error(label: str, message) -> None:
    """One unwrapped, unstyled message line (so file:line stays greppable)."""
    err_console.print(Text(f"{label}: ", style="bold red") + Text(str(message)), soft_wrap=True,
                      highlight=False)


def run() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
