"""Error types shared by the library, the CLI (exit codes) and the web (JSON errors)."""
from __future__ import annotations


class ChokepointError(Exception):
    """Base class; the CLI maps it to exit code 1 unless a subclass says otherwise."""

    exit_code = 1


class BadInput(ChokepointError):
    """Input the user gave is wrong; names the file, line and field so it can be fixed (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        self.message, self.file, self.line, self.field, self.hint = message, file, line, field, hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [where] if where else []
        if self.field:
            parts.append(f"field '{self.field}'")
        head = ", ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict:
        return {"error": "bad_input", "message": self.message, "file": self.file,
                "line": self.line, "field": self.field, "hint": self.hint}


class BadInputs(BadInput):
    """Several bad rows at once; the first is the headline, all are listed."""

    def __init__(self, errors: list[BadInput]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field,
                         hint=first.hint)

    def describe(self) -> str:
        lines = [BadInput.describe(e) if not isinstance(e, BadInputs) else str(e) for e in self.errors]
        more = f"\n... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        return "\n".join(lines[:20]) + more


class NotFound(BadInput):
    """A named thing (table, scenario, run, country) does not exist; lists what does."""


def list_as_string(values) -> str:
    """'a', 'b' and 'c' — for error messages that teach the valid names."""
    vals = [f"'{v}'" for v in values]
    if len(vals) <= 1:
        return "".join(vals)
    return ", ".join(vals[:-1]) + " and " + vals[-1]
