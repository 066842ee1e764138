"""Loading a dossier: read, type, validate, and build the immutable record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .coerce import coerce_table
from .issues import DossierError, Issue
from .model import Dossier, Program
from .read import read_container
from .schema import TABLES
from .validate import validate_frames


READ_FAILURES = ("encoding", "csv_syntax", "empty_table", "unreadable", "duplicate_table")


@dataclass
class ValidationReport:
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    dossier: Dossier | None = None

    @property
    def valid(self) -> bool:
        return not self.errors and self.dossier is not None

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "errors": [i.to_json() for i in self.errors],
            "warnings": [w.to_json() for w in self.warnings],
        }


def _empty_frame(table) -> pd.DataFrame:
    from .coerce import coerce_column
    from .schema import Column

    cols = {}
    for c in table.columns:
        values, _ = coerce_column(pd.Series([], dtype=object), Column(c.name, c.kind, False, c.allowed, c.default))
        cols[c.name] = values
    frame = pd.DataFrame(cols)
    frame["_row"] = pd.Series([], dtype="int64")
    return frame


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
    for f in files:
        if path.is_dir():
            h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def check_dossier(path: str | Path) -> ValidationReport:
    """Validate a dossier, collecting every problem; never raises for bad content.

    Raises :class:`DossierError` only when the container itself cannot be read
    (missing path, not a workbook, corrupt zip).
    """
    path = Path(path)
    raw, errors, warnings = read_container(path)
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        if table.name not in raw:
            if table.required and not any(e.table == table.name for e in errors):
                errors.append(Issue("missing_table", table.name, None, None, None,
                                    f"required table '{table.name}' is missing"))
            frames[table.name] = _empty_frame(table)
            continue
        frame, errs, warns = coerce_table(raw[table.name], table)
        frames[table.name] = frame
        errors += errs
        warnings += warns
    # A table or column that could not be read is reported once: not again as empty, and
    # not as a dangling reference on every row that points into it.
    unread = {e.table for e in errors if e.code in READ_FAILURES}
    unavailable = frozenset(
        unread
        | {t.name for t in TABLES if t.required and t.name not in raw}
        | {e.table for e in errors if e.code == "missing_table"}
        | {f"{e.table}.{e.column}" for e in errors if e.code == "missing_column"}
    )
    checks = validate_frames(frames, unavailable)
    empty = {e.table for e in checks if e.code == "empty_table"} - unavailable
    if empty:
        checks = validate_frames(frames, unavailable | empty)
    errors += [e for e in checks if not (e.code == "empty_table" and e.table in unavailable)]
    # A row read with more fields than its header is reported once, not cell by cell.
    unreliable = {(t.name, r) for t in raw.values() for r in t.unreliable_rows}
    errors = [e for e in errors if e.code == "extra_fields" or (e.table, e.row) not in unreliable]
    report = ValidationReport(errors=_dedupe(errors), warnings=warnings)
    if report.errors:
        return report
    p = frames["program"].iloc[0]
    program = Program(
        program_id=p["program_id"],
        product_name=p["product_name"],
        modality=p["modality"],
        approval_basis=p["approval_basis"],
        commercial_process_version=p["commercial_process_version"],
        submission_target=None if pd.isna(p["submission_target"]) else p["submission_target"].date(),
    )
    report.dossier = Dossier(program=program, tables=frames, source=str(path), sha256=_sha256(path),
                             warnings=tuple(warnings))
    return report


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        k = (i.table, i.row, i.column, i.message)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def load_dossier(path: str | Path) -> Dossier:
    """Load and validate a dossier; raise :class:`DossierError` with every problem."""
    report = check_dossier(path)
    if not report.valid:
        raise DossierError(report.errors, report.warnings)
    return report.dossier
