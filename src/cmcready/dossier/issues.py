"""Validation problems, collected lazily and reported all at once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal


@dataclass(frozen=True)
class Issue:
    """One problem found in a dossier.

    ``row`` is the row as the user sees it (the header is row 1); ``None`` for a
    problem with a whole table or column.
    """

    code: str
    table: str | None
    row: int | None
    column: str | None
    value: object
    message: str
    level: Literal["error", "warning"] = "error"

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("level")
        v = d["value"]
        if v is not None and not isinstance(v, (str, int, float, bool)):
            d["value"] = str(v)
        return d

    def location(self) -> str:
        parts = [self.table or "dossier"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(self.column)
        return ", ".join(parts)


class DossierError(Exception):
    """The dossier cannot be audited: carries every problem found."""

    def __init__(self, issues: list[Issue], warnings: list[Issue] | None = None, *, cause: str | None = None):
        self.issues = list(issues)
        self.warnings = list(warnings or [])
        self.cause = cause or _summarise(self.issues)
        super().__init__(self.cause)

    def to_json(self) -> dict:
        return {
            "valid": False,
            "errors": [i.to_json() for i in self.issues],
            "warnings": [w.to_json() for w in self.warnings],
        }


def _summarise(issues: list[Issue]) -> str:
    n = len(issues)
    tables = sorted({i.table for i in issues if i.table})
    where = f" in {', '.join(tables)}" if tables else ""
    return f"the dossier is invalid: {n} problem{'s' if n != 1 else ''}{where}"
