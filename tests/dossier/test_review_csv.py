"""Adversarial review of the CSV container against the dossier contract.

Each test names one convention or one odd file a user's export may produce.
"""

from __future__ import annotations

import time

import pandas as pd

from cmcready.dossier import check_dossier, load_dossier
from tests.builders import base_tables, write_tables


def _folder(tmp_path, tables=None):
    return write_tables(tables or base_tables(), tmp_path)


def _rewrite(folder, table, fn):
    p = folder / f"{table}.csv"
    p.write_text(fn(p.read_text(encoding="utf-8")), encoding="utf-8", newline="")


def _errors(path):
    r = check_dossier(path)
    return [(e.code, e.table, e.row, e.column) for e in r.errors], r


def test_far_future_iso_date_loads_exactly(tmp_path):
    # 9999-12-31 is a valid ISO date; it must neither crash nor be rejected.
    t = base_tables()
    t["methods"].loc[0, "in_use_to"] = pd.Timestamp("9999-12-31")
    t["lots"]["expiry_date"] = pd.Timestamp("9999-12-31")
    d = load_dossier(_folder(tmp_path, t))
    assert d.methods["in_use_to"].iloc[0] == pd.Timestamp("9999-12-31")
    assert (d.lots["expiry_date"] == pd.Timestamp("9999-12-31")).all()
    assert d.lots["manufacture_date"].iloc[0] == pd.Timestamp("2023-01-02")


def test_dates_have_one_resolution_in_every_date_column(tmp_path):
    d = load_dossier(_folder(tmp_path))
    kinds = {str(d.tables[name][col].dtype) for name, col in [
        ("lots", "manufacture_date"), ("lots", "expiry_date"), ("results", "test_date"),
        ("specifications", "effective_to"), ("program", "submission_target")]}
    assert len(kinds) == 1 and kinds.pop().startswith("datetime64")


def test_full_width_digits_are_not_an_iso_date(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "studies", lambda s: s.replace("2023-01-01", "２０２３-０１-０１"))
    errs, r = _errors(folder)
    assert errs == [("wrong_type", "studies", 2, "enrollment_start")]
    assert "YYYY-MM-DD" in r.errors[0].message


def test_iso_date_with_a_time_is_not_a_date(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "program", lambda s: s.replace("2025-06-30", "2025-06-30 00:00:00"))
    errs, _ = _errors(folder)
    assert errs == [("wrong_type", "program", 2, "submission_target")]


def test_crlf_line_endings_load_like_lf(tmp_path):
    a = load_dossier(_folder(tmp_path / "a"))
    folder = _folder(tmp_path / "b")
    for table in ("lots", "results", "program"):
        _rewrite(folder, table, lambda s: s.replace("\n", "\r\n"))
    b = load_dossier(folder)
    assert a == b
    assert b.lots["lot_id"].iloc[-1] == "L-022" and b.program.product_name == "Test product"


def test_quoted_multiline_cell_is_one_row_and_later_rows_keep_their_numbers(tmp_path):
    # Row numbers are the rows a spreadsheet shows (one per record), not text lines:
    # L-001's failure_reason spans two lines, L-003 is still row 4.
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: s.replace(
        "L-001,v1,2023-01-02,clinical,released,,", 'L-001,v1,2023-01-02,clinical,released,"line one\nline two",', 1
    ).replace("L-003,v1", "L-003,v9", 1))
    errs, r = _errors(folder)
    assert errs == [("unknown_reference", "lots", 4, "process_version")]


def test_quoted_multiline_cell_keeps_its_line_break(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: s.replace(
        "L-001,v1,2023-01-02,clinical,released,,", 'L-001,v1,2023-01-02,clinical,released,"line one\r\nline two",', 1))
    d = load_dossier(folder)
    assert d.lots["failure_reason"].iloc[0] in ("line one\r\nline two", "line one\nline two")


def test_row_with_more_fields_than_the_header_is_an_error_at_its_row(tmp_path):
    # An unquoted comma in a value shifts every later value of the row.
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: s.replace(
        "L-004,v1,2023-02-13,clinical,released,,", "L-004,v1,2023-02-13,clinical,released,cells, clumped,", 1))
    errs, r = _errors(folder)
    assert errs == [("extra_fields", "lots", 5, None)]
    assert "9 values" in r.errors[0].message and "header has 8 columns" in r.errors[0].message


def test_every_ragged_row_is_reported_and_the_rest_of_the_table_is_still_checked(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "results", lambda s: s.replace("L-002,POT,M-POT,", "L-002,POT,M-POT,1,2,", 1)
             .replace("L-005,POT,M-POT,", "L-005,POT,M-POT,1,2,", 1).replace("L-009,POT,", "L-999,POT,", 1))
    errs, _ = _errors(folder)
    assert errs == [("extra_fields", "results", 3, None), ("extra_fields", "results", 6, None),
                    ("unknown_reference", "results", 10, "lot_id")]


def test_trailing_empty_fields_beyond_the_header_are_ignored(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "results", lambda s: s.replace("\n", ",,\n"))
    assert check_dossier(folder).valid
    folder2 = _folder(tmp_path / "b")
    _rewrite(folder2, "results", lambda s: "\n".join(line + (",," if i == 3 else "")
                                                     for i, line in enumerate(s.split("\n"))))
    r = check_dossier(folder2)
    assert r.valid and r.warnings == []


def test_header_with_empty_trailing_cells_loads(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: s.replace("\n", ",,\n", 1))
    r = check_dossier(folder)
    assert r.valid and r.warnings == []
    assert len(r.dossier.lots) == 22


def test_values_under_an_empty_header_cell_are_a_warning(tmp_path):
    # The header has 8 names and one empty cell; row 3 has a value under the empty cell.
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: "\n".join(
        line + ("," if i == 0 else ",note" if i == 2 else ",") for i, line in enumerate(s.rstrip("\n").split("\n"))) + "\n")
    r = check_dossier(folder)
    assert r.valid
    (w,) = r.warnings
    assert (w.code, w.table, w.row, w.column) == ("unnamed_column", "lots", 1, None)
    assert "column 9" in w.message and "row 3" in w.message


def test_a_huge_number_of_blank_rows_is_skipped_quickly(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "results", lambda s: s + ",,,,,,\n" * 300_000 + "\n" * 1000)
    t0 = time.perf_counter()
    r = check_dossier(folder)
    assert r.valid and len(r.dossier.results) == 22
    assert time.perf_counter() - t0 < 10


def test_literal_na_text_is_a_value_not_missing(tmp_path):
    # Only an empty cell is missing: "NA" in failure_reason is text, "NA" as a number is an error.
    t = base_tables()
    t["lots"].loc[0, "failure_reason"] = "NA"
    t["results"]["value"] = t["results"]["value"].astype(object)
    t["results"].loc[0, "value"] = "NA"
    errs, r = _errors(_folder(tmp_path, t))
    assert errs == [("wrong_type", "results", 2, "value")]


def test_encoding_error_is_reported_at_the_record_row(tmp_path):
    # Record 2 spans two lines; the latin-1 byte is on line 4, in the row a spreadsheet shows as 3.
    t = base_tables()
    t["lots"].loc[0, "failure_reason"] = "first\nsecond"
    t["lots"].loc[1, "failure_reason"] = "Überschuss"
    folder = _folder(tmp_path, t)
    p = folder / "lots.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("latin-1"))
    errs, r = _errors(folder)
    assert errs == [("encoding", "lots", 3, None)]


def test_encoding_error_after_a_bare_carriage_return_is_reported_not_raised(tmp_path):
    # Found by the property test: a lone CR (old Mac line end) before the bad byte made the
    # row count itself fail. The CR ends record 1 (the header), so the bad byte is on row 2.
    folder = _folder(tmp_path)
    p = folder / "administrations.csv"
    header = p.read_bytes().split(b"\n", 1)[0]
    p.write_bytes(header + b"\r\x00\x80")
    errs, _ = _errors(folder)
    assert errs == [("encoding", "administrations", 2, None)]


def test_unreadable_table_does_not_cascade_into_reference_errors(tmp_path):
    folder = _folder(tmp_path)
    p = folder / "lots.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))
    errs, _ = _errors(folder)
    assert errs == [("encoding", "lots", 1, None)]


def test_missing_required_table_does_not_cascade_into_reference_errors(tmp_path):
    folder = _folder(tmp_path)
    (folder / "lots.csv").unlink()
    errs, _ = _errors(folder)
    assert errs == [("missing_table", "lots", None, None)]


def test_missing_key_column_does_not_cascade_into_reference_errors(tmp_path):
    t = base_tables()
    t["lots"] = t["lots"].rename(columns={"lot_id": "lot"})
    errs, r = _errors(_folder(tmp_path, t))
    assert errs == [("missing_column", "lots", 1, "lot_id")]
    assert [(w.code, w.column) for w in r.warnings] == [("unknown_column", "lot")]


def test_absent_optional_table_still_leaves_its_references_dangling(tmp_path):
    t = base_tables()
    t["process_versions"] = pd.concat([t["process_versions"], pd.DataFrame([{
        "process_version": "v2", "effective_date": pd.Timestamp("2024-08-01")}])], ignore_index=True)
    t["process_changes"] = pd.DataFrame([{
        "change_id": "PC-1", "change_date": pd.Timestamp("2024-08-01"), "from_version": "v1", "to_version": "v2",
        "description": "x", "comparability_study_id": "CS-1"}])
    errs, _ = _errors(_folder(tmp_path, t))  # no comparability_studies table at all
    assert errs == [("unknown_reference", "process_changes", 2, "comparability_study_id")]


def test_header_names_with_tabs_and_non_breaking_spaces_are_trimmed(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "lots", lambda s: s.replace("lot_id,", "\tLot_ID\u00a0,", 1))
    assert load_dossier(folder).lots["lot_id"].iloc[0] == "L-001"


def test_unquoted_csv_with_semicolons_explains_the_separator(tmp_path):
    folder = _folder(tmp_path)
    _rewrite(folder, "studies", lambda s: s.replace(",", ";"))
    errs, r = _errors(folder)
    assert errs == [("separator", "studies", 1, None)]  # one cause, not a missing column per name
    assert "comma" in r.errors[0].message and "';'" in r.errors[0].message
