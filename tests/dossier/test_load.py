"""The loader follows every cell convention of the dossier contract."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from cmcready.dossier import DossierError, check_dossier, load_dossier
from tests.builders import base_tables, write_tables


def _csv(tmp_path, tables=None):
    return write_tables(tables or base_tables(), tmp_path)


def _rewrite(folder, table, fn):
    p = folder / f"{table}.csv"
    p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8")


def test_csv_folder_and_workbook_load_to_equal_dossiers(tmp_path):
    a = load_dossier(write_tables(base_tables(), tmp_path / "a"))
    b = load_dossier(write_tables(base_tables(), tmp_path / "b", container="xlsx"))
    assert a == b
    assert len(a.lots) == 22 and a.program.modality == "allogeneic_cell"


def test_headers_are_case_insensitive_and_may_carry_spaces(tmp_path):
    folder = _csv(tmp_path)
    _rewrite(folder, "lots", lambda t: t.replace("lot_id,process_version", "  LOT_ID ,Process_Version ", 1))
    d = load_dossier(folder)
    assert d.lots["lot_id"].iloc[0] == "L-001"
    assert d.lots["process_version"].iloc[0] == "v1"


def test_utf8_with_bom_is_read(tmp_path):
    folder = _csv(tmp_path)
    p = folder / "studies.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert load_dossier(folder).studies["study_id"].tolist() == ["PIV"]


def test_csv_in_another_encoding_is_an_error_not_a_traceback(tmp_path):
    t = base_tables()
    t["program"].loc[0, "product_name"] = "Zellprodukt für Kinder"
    folder = _csv(tmp_path, t)
    p = folder / "program.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("latin-1"))
    r = check_dossier(folder)
    assert not r.valid
    (e,) = [e for e in r.errors if e.table == "program"]
    assert e.code == "encoding" and "UTF-8" in e.message and e.row == 2


@pytest.mark.parametrize("word,expected", [
    ("true", True), ("FALSE", False), ("Yes", True), ("no", False), ("Y", True), ("n", False), ("1", True), ("0", False),
])
def test_booleans_in_every_listed_spelling(tmp_path, word, expected):
    t = base_tables()
    t["studies"]["pivotal"] = word
    d = load_dossier(_csv(tmp_path, t))
    assert bool(d.studies["pivotal"].iloc[0]) is expected


def test_empty_boolean_takes_the_default(tmp_path):
    t = base_tables()
    t["results"]["reportable"] = None  # default true
    d = load_dossier(_csv(tmp_path, t))
    assert d.results["reportable"].all()


def test_not_a_boolean_is_reported_with_table_row_column(tmp_path):
    t = base_tables()
    t["results"]["reportable"] = t["results"]["reportable"].astype(object)
    t["results"].loc[3, "reportable"] = "maybe"
    r = check_dossier(_csv(tmp_path, t))
    (e,) = r.errors
    assert (e.table, e.row, e.column, e.value) == ("results", 5, "reportable", "maybe")  # row 4 of data + header


def test_optional_column_may_be_absent(tmp_path):
    t = base_tables()
    t["lots"] = t["lots"].drop(columns=["failure_reason", "expiry_date"])
    d = load_dossier(_csv(tmp_path, t))
    assert d.lots["expiry_date"].isna().all() and "failure_reason" in d.lots


def test_empty_cell_is_missing(tmp_path):
    t = base_tables()
    t["program"].loc[0, "submission_target"] = None
    t["program"].loc[0, "approval_basis"] = None
    d = load_dossier(_csv(tmp_path, t))
    assert d.program.submission_target is None
    assert d.program.approval_basis == "phase2"  # the contract's default


def test_dates_must_be_iso(tmp_path):
    folder = _csv(tmp_path)
    _rewrite(folder, "studies", lambda s: s.replace("2023-01-01", "01/01/2023"))
    r = check_dossier(folder)
    (e,) = r.errors
    assert (e.table, e.row, e.column) == ("studies", 2, "enrollment_start")
    assert "YYYY-MM-DD" in e.message


def test_impossible_calendar_date_is_an_error(tmp_path):
    folder = _csv(tmp_path)
    _rewrite(folder, "studies", lambda s: s.replace("2024-06-30", "2024-02-30"))
    (e,) = check_dossier(folder).errors
    assert e.column == "enrollment_end" and "calendar" in e.message


def test_number_with_decimal_comma_is_an_error(tmp_path):
    t = base_tables()
    t["results"]["value"] = t["results"]["value"].astype(object)
    t["results"].loc[0, "value"] = "100,5"
    (e,) = check_dossier(_csv(tmp_path, t)).errors
    assert (e.table, e.row, e.column, e.value) == ("results", 2, "value", "100,5")


def _workbook(tmp_path, tables=None):
    return write_tables(tables or base_tables(), tmp_path, container="xlsx")


def _edit_sheet(path, sheet, row, column_name, value):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=row, column=header.index(column_name) + 1, value=value)
    if isinstance(value, (int, float)):
        cell.number_format = "General"  # a plain number cell, not a date-formatted one
    wb.save(path)


def test_workbook_numeric_cells_in_text_columns_read_as_integer_text(tmp_path):
    path = _workbook(tmp_path)
    _edit_sheet(path, "studies", 2, "phase", 2)  # Excel turns phase "2" into a number
    _edit_sheet(path, "studies", 2, "study_id", 101.0)
    t = base_tables()
    d = load_dossier(path) if False else None  # administrations still name PIV: expect a dangling reference
    r = check_dossier(path)
    assert [(e.table, e.column) for e in r.errors] == [("administrations", "study_id")] * 22
    assert "'PIV'" in r.errors[0].message
    _edit_sheet(path, "studies", 2, "study_id", "PIV")
    d = load_dossier(path)
    assert d.studies["phase"].iloc[0] == "2"
    assert t  # the base frames are untouched by loading


def test_workbook_real_date_cells_are_dates(tmp_path):
    path = _workbook(tmp_path)
    _edit_sheet(path, "studies", 2, "enrollment_end", dt.datetime(2024, 7, 31))
    d = load_dossier(path)
    assert d.studies["enrollment_end"].iloc[0] == pd.Timestamp("2024-07-31")


def test_workbook_date_cell_where_text_is_expected_is_an_error(tmp_path):
    path = _workbook(tmp_path)
    _edit_sheet(path, "studies", 2, "phase", dt.datetime(2026, 1, 2))  # Excel turned "1/2" into a date
    (e,) = check_dossier(path).errors
    assert (e.table, e.row, e.column) == ("studies", 2, "phase")
    assert "date cell where text is expected" in e.message


def test_workbook_number_where_a_date_is_expected_is_an_error(tmp_path):
    path = _workbook(tmp_path)
    _edit_sheet(path, "studies", 2, "enrollment_end", 45000)
    (e,) = check_dossier(path).errors
    assert e.column == "enrollment_end" and "number where a date" in e.message


def test_unknown_sheet_and_column_are_warnings(tmp_path):
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("notes").append(["anything"])
    ws = wb["lots"]
    ws.cell(row=1, column=ws.max_column + 1, value="operator")
    wb.save(path)
    r = check_dossier(path)
    assert r.valid
    assert {(w.code, w.table, w.column) for w in r.warnings} == {
        ("unknown_table", "notes", None), ("unknown_column", "lots", "operator")}


def test_sheet_names_are_case_insensitive(tmp_path):
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["lots"].title = "tmp"  # openpyxl refuses a rename that differs only in case
    wb["tmp"].title = "Lots"
    wb.save(path)
    assert len(load_dossier(path).lots) == 22


def test_blank_rows_are_skipped_and_later_rows_keep_their_numbers(tmp_path):
    folder = _csv(tmp_path)
    _rewrite(folder, "results", lambda s: s.replace("\n", "\n,,,,,,\n", 1))  # blank row 2
    t = base_tables()
    r = check_dossier(folder)
    assert r.valid and len(r.dossier.results) == len(t["results"])
    assert r.dossier.results["_row"].iloc[0] == 3


def test_identifiers_are_trimmed_and_case_sensitive(tmp_path):
    t = base_tables()
    t["results"].loc[0, "lot_id"] = "  L-001 "
    t["results"].loc[1, "lot_id"] = "l-002"
    r = check_dossier(_csv(tmp_path, t))
    (e,) = r.errors
    assert (e.table, e.row, e.column, e.value) == ("results", 3, "lot_id", "l-002")


@pytest.mark.parametrize("problem", ["missing", "not_zip", "corrupt", "single_csv", "encrypted"])
def test_unreadable_containers_raise_a_dossier_error_with_a_cause(tmp_path, problem):
    if problem == "missing":
        path = tmp_path / "nope.xlsx"
    elif problem == "not_zip":
        path = tmp_path / "x.xlsx"
        path.write_text("hello")
    elif problem == "corrupt":
        good = _workbook(tmp_path)
        path = tmp_path / "cut.xlsx"
        path.write_bytes(good.read_bytes()[:2000])
    elif problem == "single_csv":
        path = _csv(tmp_path) / "lots.csv"
    else:
        path = tmp_path / "locked.xlsx"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # OLE container: encrypted workbook
    with pytest.raises(DossierError) as info:
        check_dossier(path)
    assert str(info.value) and "\n" not in str(info.value)
