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
]}


def get(name: str) -> str:
    """The current value of a setting (environment overrides the default)."""
    return SETTINGS[name].value()


def describe() -> list[dict[str, str]]:
    """Every setting with its environment variable, current value, default and help."""
    return [{"setting": s.name, "env": s.env, "value": s.value(), "default": s.default,
             "help": s.help} for s in SETTINGS.values()]
