"""Adversarial review of cross-row validation: every key, every reference, every overlap."""

from __future__ import annotations

import pandas as pd
import pytest

from cmcready.dossier import check_dossier
from tests.builders import add_rows, base_tables, write_tables

D = pd.Timestamp


def _errors(tmp_path, tables):
    r = check_dossier(write_tables(tables, tmp_path))
    return [(e.code, e.table, e.row, e.column) for e in r.errors], r


def rich_tables() -> dict[str, pd.DataFrame]:
    """The base program plus every optional table, still valid: a second method bridged to
    the first, a second process version with its change and comparability study, outcomes."""
    t = base_tables()
    t = add_rows(t, "methods", [{"method_id": "M-OLD", "attribute_id": "POT", "validation_status": "qualified",
                                 "in_use_from": D("2021-01-01"), "in_use_to": D("2022-06-30")}])
    t = add_rows(t, "attributes", [{"attribute_id": "VIA", "name": "Viability", "unit": "%", "category": "viability",
                                    "cqa": True, "limit_basis": "clinical"}])
    t = add_rows(t, "methods", [{"method_id": "M-VIA", "attribute_id": "VIA", "validation_status": "validated",
                                 "in_use_from": D("2021-01-01")}])
    t = add_rows(t, "bridging_studies", [{"bridging_study_id": "B-1", "attribute_id": "POT", "old_method": "M-OLD",
                                          "new_method": "M-POT", "protocol_date": D("2021-12-01"),
                                          "acceptance_max_bias": 10.0}])
    t = add_rows(t, "bridging_results", [
        {"bridging_study_id": "B-1", "sample_id": "S-1", "method_id": "M-OLD", "value": 90.0, "test_date": D("2022-02-01")},
        {"bridging_study_id": "B-1", "sample_id": "S-1", "method_id": "M-POT", "value": 91.0, "test_date": D("2022-02-01")},
    ])
    t = add_rows(t, "method_changes", [{"change_id": "MC-1", "change_date": D("2022-01-01"), "attribute_id": "POT",
                                        "from_method": "M-OLD", "to_method": "M-POT", "bridging_study_id": "B-1",
                                        "rationale": "r", "approved_by": "QA", "approved_date": D("2021-12-15")}])
    t = add_rows(t, "process_versions", [{"process_version": "v0", "effective_date": D("2021-01-01")}])
    t = add_rows(t, "comparability_studies", [{"comparability_study_id": "CS-1", "from_version": "v0",
                                               "to_version": "v1", "protocol_date": D("2022-05-01")}])
    t = add_rows(t, "comparability_lots", [{"comparability_study_id": "CS-1", "lot_id": "L-001"}])
    t = add_rows(t, "process_changes", [{"change_id": "PC-1", "change_date": D("2022-06-01"), "from_version": "v0",
                                         "to_version": "v1", "description": "closed system",
                                         "comparability_study_id": "CS-1"}])
    t = add_rows(t, "outcomes", [{"patient_id": "P-001", "endpoint": "ORR", "responder": True}])
    return t


def test_rich_dossier_is_valid(tmp_path):
    errs, r = _errors(tmp_path, rich_tables())
    assert errs == [] and r.warnings == []


@pytest.mark.parametrize("table,key", [
    ("studies", ["study_id"]),
    ("process_versions", ["process_version"]),
    ("process_changes", ["change_id"]),
    ("method_changes", ["change_id"]),
    ("attributes", ["attribute_id"]),
    ("methods", ["method_id"]),
    ("lots", ["lot_id"]),
    ("administrations", ["patient_id", "lot_id", "administration_date"]),
    ("specifications", ["attribute_id", "kind", "method_id", "effective_from"]),
    ("bridging_studies", ["bridging_study_id"]),
    ("comparability_studies", ["comparability_study_id"]),
    ("comparability_lots", ["comparability_study_id", "lot_id"]),
    ("outcomes", ["patient_id", "endpoint"]),
])
def test_every_contract_key_rejects_a_duplicate_on_the_later_row(tmp_path, table, key):
    t = rich_tables()
    row = t[table].iloc[0].to_dict()
    if table == "process_versions":
        row["effective_date"] = D("2020-01-01")  # only the key repeats
    t = add_rows(t, table, [row])
    errs, r = _errors(tmp_path, t)
    last = len(t[table]) + 1  # header = row 1
    dup = [e for e in errs if e[0] == "duplicate_key" and e[1] == table]
    assert dup == [("duplicate_key", table, last, key[0])]
    assert "first given on row 2" in [e for e in r.errors if e.code == "duplicate_key"][0].message


def test_key_differing_only_in_case_or_spaces(tmp_path):
    # ids are trimmed (so " L-001 " repeats L-001) and case-sensitive (so "l-001" does not)
    t = rich_tables()
    t = add_rows(t, "lots", [{**t["lots"].iloc[0].to_dict(), "lot_id": " L-001 "},
                             {**t["lots"].iloc[0].to_dict(), "lot_id": "l-001"}])
    errs, _ = _errors(tmp_path, t)
    assert errs == [("duplicate_key", "lots", 24, "lot_id")]


@pytest.mark.parametrize("table,column,bad", [
    ("program", "commercial_process_version", "v9"),
    ("process_changes", "from_version", "v9"),
    ("process_changes", "to_version", "v9"),
    ("process_changes", "comparability_study_id", "CS-9"),
    ("methods", "attribute_id", "XX"),
    ("method_changes", "attribute_id", "XX"),
    ("method_changes", "from_method", "M-9"),
    ("method_changes", "to_method", "M-9"),
    ("method_changes", "bridging_study_id", "B-9"),
    ("lots", "process_version", "v9"),
    ("results", "lot_id", "L-999"),
    ("results", "attribute_id", "XX"),
    ("results", "method_id", "M-9"),
    ("administrations", "study_id", "S-9"),
    ("administrations", "lot_id", "L-999"),
    ("specifications", "attribute_id", "XX"),
    ("specifications", "method_id", "M-9"),
    ("bridging_studies", "attribute_id", "XX"),
    ("bridging_studies", "old_method", "M-9"),
    ("bridging_studies", "new_method", "M-9"),
    ("bridging_results", "bridging_study_id", "B-9"),
    ("bridging_results", "method_id", "M-9"),
    ("comparability_studies", "from_version", "v9"),
    ("comparability_studies", "to_version", "v9"),
    ("comparability_lots", "comparability_study_id", "CS-9"),
    ("comparability_lots", "lot_id", "L-999"),
    ("outcomes", "patient_id", "P-999"),
])
def test_every_contract_reference_to_a_missing_id_is_one_error_at_its_cell(tmp_path, table, column, bad):
    t = rich_tables()
    t[table] = t[table].astype(object)
    t[table].loc[0, column] = bad
    errs, r = _errors(tmp_path, t)
    assert errs == [("unknown_reference", table, 2, column)]  # one problem, one error: no cascade
    e = [e for e in r.errors if e.table == table][0]
    assert f"'{bad}'" in e.message and e.value == bad


@pytest.mark.parametrize("table,column,attr_column", [
    ("results", "method_id", "attribute_id"),
    ("method_changes", "from_method", "attribute_id"),
    ("method_changes", "to_method", "attribute_id"),
    ("specifications", "method_id", "attribute_id"),
    ("bridging_studies", "old_method", "attribute_id"),
    ("bridging_studies", "new_method", "attribute_id"),
])
def test_every_method_must_measure_the_attribute_its_row_names(tmp_path, table, column, attr_column):
    t = rich_tables()
    t[table] = t[table].astype(object)
    t[table].loc[0, column] = "M-VIA"  # measures VIA, the row says POT
    errs, r = _errors(tmp_path, t)
    mine = [e for e in errs if e[1] == table and e[0] == "method_attribute"]
    assert mine == [("method_attribute", table, 2, column)]
    assert "measures attribute 'VIA', not 'POT'" in [e for e in r.errors if e.code == "method_attribute"][0].message


def test_bridging_result_on_a_real_method_outside_its_study(tmp_path):
    t = rich_tables()
    t["bridging_results"].loc[1, "method_id"] = "M-VIA"
    errs, r = _errors(tmp_path, t)
    assert errs == [("unknown_reference", "bridging_results", 3, "method_id")]
    assert "neither the old nor the new method of bridging study 'B-1'" in r.errors[0].message


def test_outcome_patient_must_appear_in_administrations_not_just_anywhere(tmp_path):
    t = rich_tables()
    t["outcomes"].loc[0, "patient_id"] = "p-001"  # case differs
    errs, _ = _errors(tmp_path, t)
    assert errs == [("unknown_reference", "outcomes", 2, "patient_id")]


@pytest.mark.parametrize("table,start,end", [
    ("studies", "enrollment_start", "enrollment_end"),
    ("methods", "in_use_from", "in_use_to"),
    ("specifications", "effective_from", "effective_to"),
])
def test_end_before_start_is_an_error_and_equal_dates_are_not(tmp_path, table, start, end):
    t = base_tables()
    t[table].loc[0, end] = t[table].loc[0, start]  # a one-day interval: fine
    assert _errors(tmp_path / "ok", t)[0] == []
    t[table].loc[0, end] = t[table].loc[0, start] - pd.Timedelta(days=1)
    errs, _ = _errors(tmp_path / "bad", t)
    assert errs == [("date_order", table, 2, end)]


def _spec(kind="proposed_commercial", method="M-POT", start="2024-01-01", end=None, lower=50.0, upper=150.0):
    return {"attribute_id": "POT", "kind": kind, "method_id": method, "lower": lower, "upper": upper,
            "effective_from": D(start), "effective_to": None if end is None else D(end)}


def _with_specs(rows):
    t = rich_tables()
    t["specifications"] = pd.DataFrame(rows)
    return t


def test_overlap_names_the_row_it_overlaps(tmp_path):
    # row 2 open-ended from 2024-01-01; row 3 closed 2024-02..03 (overlaps row 2); row 4 from 2024-06 overlaps
    # row 2, not row 3.
    t = _with_specs([_spec(start="2024-01-01"), _spec(start="2024-02-01", end="2024-03-01"),
                     _spec(start="2024-06-01", lower=40.0)])
    errs, r = _errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 3, "effective_from"), ("overlap", "specifications", 4, "effective_from")]
    assert "row 2" in r.errors[0].message and "row 2" in r.errors[1].message and "row 3" not in r.errors[1].message


def test_specification_ending_on_the_day_the_next_starts_overlaps(tmp_path):
    # both ends are inclusive: two specifications in force on 2024-03-01
    t = _with_specs([_spec(start="2024-01-01", end="2024-03-01"), _spec(start="2024-03-01", lower=40.0)])
    errs, _ = _errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 3, "effective_from")]


def test_proposed_specifications_on_two_methods_with_one_start_date_overlap(tmp_path):
    t = _with_specs([_spec(start="2024-01-01"), _spec(method="M-OLD", start="2024-01-01")])
    errs, r = _errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 3, "effective_from")]
    assert "proposed commercial" in r.errors[0].message


def test_release_specifications_on_two_methods_may_be_in_force_together(tmp_path):
    t = _with_specs([_spec(kind="release"), _spec(kind="release", method="M-OLD"), _spec()])
    assert _errors(tmp_path, t)[0] == []


def test_release_specifications_on_one_method_may_not_overlap(tmp_path):
    t = _with_specs([_spec(kind="release", start="2022-01-01"), _spec(kind="release", start="2023-01-01", lower=60.0),
                     _spec()])
    errs, r = _errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 3, "effective_from")]
    assert "release specification for method 'M-POT'" in r.errors[0].message


def test_far_future_end_overlaps_an_open_ended_later_start(tmp_path):
    t = _with_specs([_spec(start="2024-01-01", end="9999-12-31"), _spec(start="2300-01-01", lower=40.0)])
    errs, _ = _errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 3, "effective_from")]


def test_release_and_proposed_specifications_never_overlap_each_other(tmp_path):
    t = _with_specs([_spec(kind="release", start="2022-01-01"), _spec(start="2022-01-01")])
    assert _errors(tmp_path, t)[0] == []


def test_more_than_one_program_row_is_an_error_at_each_extra_row(tmp_path):
    t = base_tables()
    t["program"] = pd.concat([t["program"]] * 3, ignore_index=True)
    errs, r = _errors(tmp_path, t)
    assert errs == [("program_rows", "program", 3, "program_id"), ("program_rows", "program", 4, "program_id")]
    assert "exactly one row" in r.errors[0].message


def test_header_only_program_is_an_error(tmp_path):
    t = base_tables()
    t["program"] = t["program"].iloc[:0]
    errs, r = _errors(tmp_path, t)
    assert errs == [("empty_table", "program", None, None)]
    assert "exactly one row" in r.errors[0].message


def test_header_only_optional_table_is_fine(tmp_path):
    t = base_tables()  # process_changes and method_changes are header-only already
    errs, r = _errors(tmp_path, t)
    assert errs == [] and len(r.dossier.process_changes) == 0


def test_year_zero_is_not_a_calendar_date_and_never_raises(tmp_path):
    from cmcready.dossier import check_dossier
    from tests.builders import base_tables, write_tables

    t = base_tables()
    folder = write_tables(t, tmp_path)
    p = folder / "studies.csv"
    p.write_text(p.read_text(encoding="utf-8").replace("2024-06-30", "0000-01-01"), encoding="utf-8")
    (e,) = check_dossier(folder).errors
    assert (e.table, e.row, e.column) == ("studies", 2, "enrollment_end")
    assert "calendar" in e.message
