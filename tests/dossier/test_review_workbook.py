"""Adversarial review of the workbook container: what Excel users actually save."""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile

import openpyxl
import pandas as pd
import pytest

from cmcready.dossier import DossierError, check_dossier, load_dossier
from tests.builders import base_tables, write_tables


def _workbook(tmp_path, tables=None):
    return write_tables(tables or base_tables(), tmp_path, container="xlsx")


def _edit(path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


def _col(ws, name):
    return [c.value for c in ws[1]].index(name) + 1


def _replace_cell_xml(path, sheet, coordinate, cell_xml):
    """Rewrite one cell's XML: how Excel stores a formula with its saved (cached) value."""
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    part = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts[part].decode("utf-8")
    xml, n = re.subn(rf'<c r="{coordinate}"[^>]*?(/>|>.*?</c>)', cell_xml, xml, count=1)
    assert n == 1
    parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _errors(path):
    r = check_dossier(path)
    return [(e.code, e.table, e.row, e.column) for e in r.errors], r


def test_formula_cells_read_as_their_saved_values(tmp_path):
    path = _workbook(tmp_path)
    # results row 3: value =54*2 saved as 108; lot_id ="L-"&"002" saved as L-002
    _replace_cell_xml(path, "results", "D3", '<c r="D3"><f>54*2</f><v>108</v></c>')
    _replace_cell_xml(path, "results", "A3", '<c r="A3" t="str"><f>"L-"&amp;"002"</f><v>L-002</v></c>')
    d = load_dossier(path)
    assert d.results["value"].iloc[1] == 108.0 and d.results["lot_id"].iloc[1] == "L-002"


def test_formula_without_a_saved_value_is_an_error_at_its_cell(tmp_path):
    # openpyxl (and other generators) save formulas without computing them: the value is unknown.
    path = _workbook(tmp_path)

    def put(wb):
        wb["results"].cell(row=3, column=_col(wb["results"], "value"), value="=54*2")
        wb["lots"].cell(row=4, column=_col(wb["lots"], "failure_reason"), value='=""')

    _edit(path, put)
    errs, r = _errors(path)
    assert errs == [("formula", "lots", 4, "failure_reason"), ("formula", "results", 3, "value")]
    assert "=54*2" in r.errors[1].message and "saved" in r.errors[1].message


def test_excel_error_cell_is_an_error_in_any_contract_column(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        wb["lots"].cell(row=2, column=_col(wb["lots"], "failure_reason"), value="#REF!")  # a text column
        wb["results"].cell(row=3, column=_col(wb["results"], "value"), value="#N/A")
        ws = wb["lots"]
        ws.cell(row=1, column=ws.max_column + 1, value="notes")
        ws.cell(row=5, column=ws.max_column, value="#DIV/0!")  # an ignored column: not an error

    _edit(path, put)
    errs, r = _errors(path)
    assert errs == [("excel_error", "lots", 2, "failure_reason"), ("excel_error", "results", 3, "value")]
    assert "#REF!" in r.errors[0].message
    assert [(w.code, w.column) for w in r.warnings] == [("unknown_column", "notes")]


def test_text_that_merely_looks_like_an_error_code_in_a_csv_is_text(tmp_path):
    t = base_tables()
    t["lots"].loc[0, "failure_reason"] = "#N/A"
    d = load_dossier(write_tables(t, tmp_path))
    assert d.lots["failure_reason"].iloc[0] == "#N/A"


def test_merged_cells_read_as_their_top_left_value_with_a_warning(tmp_path):
    path = _workbook(tmp_path)

    def merge(wb):
        ws = wb["results"]
        c = _col(ws, "method_id")
        letter = openpyxl.utils.get_column_letter(c)
        ws.merge_cells(f"{letter}2:{letter}4")  # the value stays in row 2 only

    _edit(path, merge)
    r = check_dossier(path)
    assert r.valid
    assert r.dossier.results["method_id"].iloc[:3].tolist() == ["M-POT"] * 3
    (w,) = r.warnings
    assert (w.code, w.table, w.row, w.column) == ("merged_cells", "results", 2, "method_id")
    assert "C2:C4" in w.message


def test_merged_cell_that_hides_a_required_value_is_not_an_error(tmp_path):
    # Without reading the merge, rows 3-4 would have no lot_id and fail "a value is required".
    path = _workbook(tmp_path)

    def merge(wb):
        ws = wb["administrations"]
        ws.cell(row=3, column=_col(ws, "study_id")).value = None
        ws.merge_cells("B2:B3")

    _edit(path, merge)
    r = check_dossier(path)
    assert r.valid and r.dossier.administrations["study_id"].iloc[1] == "PIV"


def test_value_in_a_column_without_a_header_is_a_warning(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["lots"]
        ws.cell(row=5, column=ws.max_column + 2, value="stray note")

    _edit(path, put)
    r = check_dossier(path)
    assert r.valid
    (w,) = r.warnings
    assert (w.code, w.table, w.row, w.column) == ("unnamed_column", "lots", 1, None)
    assert "column 10 (J)" in w.message and "row 5" in w.message


def test_header_with_empty_trailing_cells_loads(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["lots"]
        ws.cell(row=1, column=ws.max_column + 1, value=" ")
        ws.cell(row=1, column=ws.max_column + 1, value="")

    _edit(path, put)
    r = check_dossier(path)
    assert r.valid and r.warnings == [] and len(r.dossier.lots) == 22


def test_formatted_blank_rows_and_trailing_empty_rows_are_skipped_quickly(tmp_path):
    path = _workbook(tmp_path)

    def style(wb):
        ws = wb["results"]
        for row in range(30, 100_030):
            ws.cell(row=row, column=1).number_format = "@"  # an empty, formatted cell
        ws.cell(row=120_000, column=2, value="   ")

    _edit(path, style)
    t0 = time.perf_counter()
    r = check_dossier(path)
    elapsed = time.perf_counter() - t0
    assert r.valid and len(r.dossier.results) == 22
    assert elapsed < 10


def test_rows_keep_their_sheet_numbers_across_blank_rows(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["lots"]
        ws.insert_rows(3, amount=2)  # rows 3-4 blank: L-002 is now row 5, L-003 row 6
        ws.cell(row=6, column=_col(ws, "process_version"), value="v9")

    _edit(path, put)
    errs, _ = _errors(path)
    assert errs == [("unknown_reference", "lots", 6, "process_version")]


def test_duration_cell_is_an_error_not_a_crash(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["lots"]
        ws.cell(row=2, column=_col(ws, "failure_reason"), value=dt.timedelta(hours=3))
        c = ws.cell(row=3, column=_col(ws, "release_date"), value=dt.timedelta(days=3))
        c.number_format = "[hh]:mm:ss"  # a duration cell (with a date format Excel would show a date)
        ws.cell(row=4, column=_col(ws, "lot_id"), value=dt.time(3, 0))

    _edit(path, put)
    errs, _ = _errors(path)
    lots = sorted(e for e in errs if e[1] == "lots")
    assert lots == [("wrong_type", "lots", 2, "failure_reason"), ("wrong_type", "lots", 3, "release_date"),
                    ("wrong_type", "lots", 4, "lot_id")]
    # L-003 lost its id, so what names L-003 now dangles
    assert sorted(e for e in errs if e[1] != "lots") == [
        ("unknown_reference", "administrations", 4, "lot_id"), ("unknown_reference", "results", 4, "lot_id")]


def test_far_future_date_cell_loads_exactly(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["methods"]
        ws.cell(row=2, column=_col(ws, "in_use_to"), value=dt.datetime(9999, 12, 31))

    _edit(path, put)
    d = load_dossier(path)
    assert d.methods["in_use_to"].iloc[0] == pd.Timestamp("9999-12-31")


def test_date_cell_with_a_time_of_day_reads_as_its_day(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["studies"]
        ws.cell(row=2, column=_col(ws, "enrollment_end"), value=dt.datetime(2024, 7, 31, 13, 45))

    _edit(path, put)
    assert load_dossier(path).studies["enrollment_end"].iloc[0] == pd.Timestamp("2024-07-31")


def test_iso_text_date_in_a_workbook_is_a_date(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["studies"]
        ws.cell(row=2, column=_col(ws, "enrollment_end"), value=" 2024-07-31 ")

    _edit(path, put)
    assert load_dossier(path).studies["enrollment_end"].iloc[0] == pd.Timestamp("2024-07-31")


def test_workbook_and_csv_report_the_same_problems_at_the_same_places(tmp_path):
    t = base_tables()
    t["lots"].loc[2, "status"] = "lost"
    t["results"].loc[5, "lot_id"] = "L-999"
    t["methods"].loc[0, "in_use_to"] = pd.Timestamp("2021-01-01")
    a = check_dossier(write_tables(t, tmp_path / "a"))
    b = check_dossier(write_tables(t, tmp_path / "b", container="xlsx"))
    where = lambda r: [(e.code, e.table, e.row, e.column) for e in r.errors]  # noqa: E731
    assert where(a) == where(b) == [("not_allowed", "lots", 4, "status"), ("unknown_reference", "results", 7, "lot_id"),
                                    ("date_order", "methods", 2, "in_use_to")]


def test_workbook_booleans_as_bool_number_and_text_cells(tmp_path):
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["results"]
        c = _col(ws, "reportable")
        ws.cell(row=2, column=c, value=False)  # a real boolean cell
        ws.cell(row=3, column=c, value=0)  # a number cell
        ws.cell(row=4, column=c, value=" NO ")  # text
        ws.cell(row=5, column=c, value="Y")
        ws.cell(row=6, column=c, value=None)  # empty: the default, true

    _edit(path, put)
    d = load_dossier(path)
    assert d.results["reportable"].iloc[:5].tolist() == [False, False, False, True, True]
    assert str(d.results["reportable"].dtype) == "bool"


def test_workbook_numbers_in_text_columns(tmp_path):
    # whole numbers read as integer text (2, not 2.0); others keep their decimals
    path = _workbook(tmp_path)

    def put(wb):
        ws = wb["lots"]
        ws.cell(row=2, column=_col(ws, "failure_reason"), value=2.5)
        ws.cell(row=3, column=_col(ws, "failure_reason"), value=12.0)
        ws = wb["process_versions"]
        ws.cell(row=2, column=_col(ws, "description"), value=7)

    _edit(path, put)
    d = load_dossier(path)
    assert d.lots["failure_reason"].iloc[:2].tolist() == ["2.5", "12"]
    assert d.process_versions["description"].iloc[0] == "7"


def _rewrite_part(path, part, fn):
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = fn(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_dates_in_an_east_asian_built_in_format_are_dates(tmp_path):
    # Japanese Excel saves yyyy年m月d日 as built-in format id 57 with no definition in the
    # file; openpyxl does not know the id, the reader does (ids 27-36, 50-58).
    path = _workbook(tmp_path)
    _rewrite_part(path, "xl/styles.xml", lambda s: re.sub(r"<numFmts.*?</numFmts>", "", s).replace(
        'xf numFmtId="164"', 'xf numFmtId="57" applyNumberFormat="1"'))
    errs, r = _errors(path)
    assert errs == []
    assert r.dossier.lots["manufacture_date"].iloc[0] == pd.Timestamp("2023-01-02")


def test_a_carriage_return_escaped_by_excel_is_read_as_one(tmp_path):
    # Excel and xlsxwriter store "released\r" as "released_x000D_"; trimmed like any padding.
    path = _workbook(tmp_path)
    _edit(path, lambda wb: wb["lots"].cell(row=2, column=_col(wb["lots"], "status"), value="released_x000D_"))
    errs, r = _errors(path)
    assert errs == [] and r.dossier.lots["status"].iloc[0] == "released"
    # a literal "_x000D_" is written escaped itself, as _x005F_x000D_
    _edit(path, lambda wb: wb["lots"].cell(row=2, column=_col(wb["lots"], "failure_reason"),
                                           value="note_x005F_x000D_"))
    assert load_dossier(path).lots["failure_reason"].iloc[0] == "note_x000D_"


def test_a_stray_value_far_to_the_right_is_one_warning_not_a_sheet_16384_columns_wide(tmp_path):
    path = _workbook(tmp_path)
    _edit(path, lambda wb: wb["results"].__setitem__("XFD3", "x"))
    errs, r = _errors(path)
    assert errs == []
    [w] = [w for w in r.warnings if w.table == "results"]
    assert w.code == "unnamed_column" and "column 16384 (XFD)" in w.message and "row 3" in w.message


def test_a_whole_row_merge_stops_at_the_header(tmp_path):
    path = _workbook(tmp_path)
    _edit(path, lambda wb: wb["results"].merge_cells("A5:XFD5"))
    errs, r = _errors(path)
    assert [w.code for w in r.warnings if w.table == "results"] == ["merged_cells"]


def test_a_workbook_without_readable_worksheets_says_so(tmp_path):
    # What openpyxl sees of a workbook saved as Strict Open XML: no worksheet.
    path = _workbook(tmp_path)
    strict = {"http://schemas.openxmlformats.org/spreadsheetml/2006/main": "http://purl.oclc.org/ooxml/spreadsheetml/main",
              "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
                  "http://purl.oclc.org/ooxml/officeDocument/relationships"}

    def to_strict(s):
        for a, b in strict.items():
            s = s.replace(a, b)
        return s

    _rewrite_part(path, "xl/workbook.xml", to_strict)
    with pytest.raises(DossierError, match="Strict Open XML"):
        check_dossier(path)


def test_an_integer_too_large_for_a_float_is_reported_not_raised(tmp_path):
    path = _workbook(tmp_path)
    big = "9" * 401
    _replace_cell_xml(path, "results", "D2", f'<c r="D2"><v>{big}</v></c>')  # the value column
    errs, r = _errors(path)
    assert errs == [("wrong_type", "results", 2, "value")]


def test_a_title_above_the_header_is_reported_as_such(tmp_path):
    path = _workbook(tmp_path)

    def title(wb):
        wb["lots"].insert_rows(1, 2)
        wb["lots"]["A1"] = "Lots of program PRG-1"

    _edit(path, title)
    errs, r = _errors(path)
    first = r.errors[0]
    assert (first.code, first.table, first.row, first.column) == ("missing_column", "lots", 1, None)
    assert "the header must be the first row" in first.message
    assert ("missing_column", "lots", 1, "lot_id") in errs  # and each required column, as before


def test_a_malformed_cell_is_a_problem_at_that_cell_not_a_lost_sheet(tmp_path):
    path = _workbook(tmp_path)
    _replace_cell_xml(path, "results", "D3", '<c r="D3" t="b"><v>TRUE</v></c>')  # bool(int("TRUE")) fails
    errs, r = _errors(path)
    assert errs == [("wrong_type", "results", 3, "value")]
    assert "cannot be read" in r.errors[0].message


def test_date_serials_no_excel_date_has_are_reported_at_their_cell(tmp_path):
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    letter = openpyxl.utils.get_column_letter(_col(wb["lots"], "manufacture_date"))
    part = f"xl/worksheets/sheet{wb.sheetnames.index('lots') + 1}.xml"
    with zipfile.ZipFile(path) as z:
        date_style = re.search(rf'<c r="{letter}2"[^>]*?s="(\d+)"', z.read(part).decode()).group(1)
    _replace_cell_xml(path, "lots", f"{letter}2", f'<c r="{letter}2" s="{date_style}"><v>99999999</v></c>')
    _replace_cell_xml(path, "lots", f"{letter}3", f'<c r="{letter}3" s="{date_style}"><v>-5</v></c>')
    errs, r = _errors(path)
    assert errs == [("wrong_type", "lots", 2, "manufacture_date"), ("wrong_type", "lots", 3, "manufacture_date")]
    assert "outside the dates Excel can show" in r.errors[0].message
    assert "negative serial number" in r.errors[1].message
