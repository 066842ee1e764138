"""Property-based tests: corrupting a valid dossier never makes validation raise.

Whatever hypothesis does to the files (drop cells, swap types, cut a file short, inject
odd unicode, shuffle headers), `check_dossier` returns a report, or raises only the
documented `DossierError` for an unreadable container, and every issue it reports
names a table of the contract and, for cell problems, a row the user can find.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmcready.dossier import DossierError, check_dossier
from cmcready.dossier.schema import TABLES_BY_NAME
from tests.builders import base_tables, write_tables

_BASE = {}


def _base_folder() -> Path:
    if "csv" not in _BASE:
        root = Path(tempfile.mkdtemp(prefix="cmcready-prop-"))
        _BASE["csv"] = write_tables(base_tables(), root)
        _BASE["xlsx"] = write_tables(base_tables(), root, container="xlsx")
    return _BASE["csv"]


ODD_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "NaN", "inf", "-", "1e400", "２０２４-０１-０１", "2024-13-01", "true", "L-001\u200b",
                     "\u0000", "=SUM(A1)", "\"quoted, comma\"", "é", "🧬", "<script>", "1,5", "0x10"]),
    st.integers(min_value=-10**6, max_value=10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

TABLE_NAMES = sorted(p for p in TABLES_BY_NAME if p in base_tables())


def _read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


corruption = st.fixed_dictionaries({
    "table": st.sampled_from(TABLE_NAMES),
    "kind": st.sampled_from(["cell", "drop_cell", "drop_column", "cut", "header", "extra_field", "bytes", "drop_file"]),
    "row": st.integers(min_value=0, max_value=30),
    "col": st.integers(min_value=0, max_value=12),
    "text": ODD_TEXT,
    "cut": st.floats(min_value=0.0, max_value=1.0),
    "junk": st.binary(min_size=1, max_size=8),
})


def _apply(folder: Path, c: dict) -> None:
    path = folder / f"{c['table']}.csv"
    if c["kind"] == "drop_file":
        path.unlink()
        return
    if c["kind"] == "cut":
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * c["cut"])])
        return
    if c["kind"] == "bytes":
        data = path.read_bytes()
        at = int(len(data) * c["cut"])
        path.write_bytes(data[:at] + c["junk"] + data[at:])
        return
    try:
        rows = _read_rows(path)
    except (UnicodeDecodeError, csv.Error):  # an earlier corruption already broke the file
        return
    if not rows:
        return
    width = len(rows[0])
    if width == 0:
        return
    r = c["row"] % len(rows)
    k = c["col"] % width
    if c["kind"] == "cell":
        rows[r][k] = c["text"]
    elif c["kind"] == "drop_cell":
        rows[r] = rows[r][:k] + rows[r][k + 1:]
    elif c["kind"] == "drop_column":
        rows = [row[:k] + row[k + 1:] for row in rows]
    elif c["kind"] == "header":
        rows[0][k] = c["text"]
    elif c["kind"] == "extra_field":
        rows[r] = rows[r] + [c["text"]]
    _write_rows(path, rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(corruption, min_size=1, max_size=4))
def test_corrupted_csv_dossiers_are_reported_never_raised(corruptions):
    base = _base_folder()
    work = Path(tempfile.mkdtemp(prefix="cmcready-case-"))
    try:
        folder = work / "dossier"
        shutil.copytree(base, folder)
        for c in corruptions:
            if (folder / f"{c['table']}.csv").exists():
                _apply(folder, c)
        try:
            report = check_dossier(folder)
        except DossierError as exc:  # only for an unreadable container: a one-line cause
            assert str(exc) and "\n" not in str(exc)
            return
        for issue in report.errors + report.warnings:
            assert issue.message
            assert issue.table is None or issue.table in TABLES_BY_NAME or issue.code == "unknown_table"
            assert issue.row is None or issue.row >= 1
        if report.valid:
            assert report.dossier is not None
        report.to_json()  # always serialisable
    finally:
        shutil.rmtree(work, ignore_errors=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.sampled_from(TABLE_NAMES), row=st.integers(2, 25), col=st.integers(1, 8),
       value=st.one_of(ODD_TEXT, st.integers(-5, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.datetimes().map(lambda d: d.replace(microsecond=0)), st.none()))
def test_workbook_cells_of_any_type_are_reported_never_raised(table, row, col, value):
    _base_folder()
    work = Path(tempfile.mkdtemp(prefix="cmcready-xlsx-"))
    try:
        path = work / "dossier.xlsx"
        shutil.copy(_BASE["xlsx"], path)
        wb = openpyxl.load_workbook(path)
        ws = wb[table]
        if isinstance(value, str):
            value = value.replace("\x00", "")  # openpyxl itself refuses control characters
            value = "".join(ch for ch in value if ch.isprintable())
        ws.cell(row=min(row, ws.max_row + 1), column=min(col, ws.max_column), value=value)
        wb.save(path)
        report = check_dossier(path)
        for issue in report.errors:
            assert issue.table in TABLES_BY_NAME and issue.message
        report.to_json()
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_header_only_table_is_an_error_only_for_the_program(tmp_path, table):
    # Any other table may be present with no rows; ids that pointed into it are then unknown.
    t = base_tables()
    t[table] = t[table].iloc[:0]
    r = check_dossier(write_tables(t, tmp_path))
    if table == "program":
        assert [(e.code, e.table) for e in r.errors] == [("empty_table", "program")]
    else:
        assert not any(e.table == table for e in r.errors)
        assert {e.code for e in r.errors} <= {"unknown_reference"}
