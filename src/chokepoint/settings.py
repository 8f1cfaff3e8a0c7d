"""One registry of settings: defaults, help text and the CHOKEPOINT_* environment overlay."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return f"CHOKEPOINT_{self.name.upper()}"

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS: dict[str, Setting] = {s.name: s for s in [
    Setting("db", "chokepoint.duckdb", "Path of the DuckDB store file."),
    Setting("country", "KOR", "Default focal country (ISO3) for commands that take --country."),
    Setting("token", "", "Token the web server requires (Bearer header, ?token= or cookie); "
            "serving beyond loopback without one generates one and prints it once."),
    Setting("max_run_cost", "50000000", "Largest run the CLI and library start, in estimated "
            "cell-weeks (see chokepoint.chain.cost)."),
    Setting("web_max_run_cost", "5000000", "Largest run the web server queues, in estimated cell-weeks."),
    Setting("web_queue", "4", "Runs the web server holds queued or running at once; more are refused (429)."),
    Setting("web_run_timeout", "300", "Seconds a web run may take before it is stopped."),
    Setting("web_cache", "1", "0 turns off the web server's cache of API answers (for measuring it)."),
    Setting("web_max_body", "1048576", "Largest request body the web server reads, in bytes (413 above)."),
]}


def get(name: str) -> str:
    """The current value of a setting (environment overrides the default)."""
    return SETTINGS[name].value()


def number(name: str) -> float:
    """A numeric setting; a value that is not a number is bad input naming its variable."""
    raw = get(name)
    try:
        return float(raw)
    except ValueError:
        from chokepoint.errors import BadInput

        raise BadInput(f"'{raw}' is not a number", field=SETTINGS[name].env) from None


def describe() -> list[dict[str, str]]:
    """Every setting with its environment variable, current value, default and help."""
    return [{"setting": s.name, "env": s.env, "value": s.value(), "default": s.default,
             "help": s.help} for s in SETTINGS.values()]
