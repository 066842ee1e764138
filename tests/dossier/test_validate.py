"""Validation reports every kind of problem at its table, row and column, all at once."""

from __future__ import annotations

import pandas as pd
import pytest

from cmcready.dossier import check_dossier
from tests.builders import add_rows, base_tables, write_tables

D = pd.Timestamp


def errors(tmp_path, tables):
    r = check_dossier(write_tables(tables, tmp_path))
    return [(e.code, e.table, e.row, e.column) for e in r.errors], r


def test_base_dossier_is_valid(tmp_path):
    errs, r = errors(tmp_path, base_tables())
    assert errs == [] and r.valid and r.warnings == []


def test_missing_required_table(tmp_path):
    t = base_tables()
    del t["attributes"]
    errs, _ = errors(tmp_path, t)
    assert ("missing_table", "attributes", None, None) in errs


def test_missing_optional_table_is_fine(tmp_path):
    t = base_tables()
    del t["process_changes"]
    assert errors(tmp_path, t)[0] == []


def test_missing_required_column(tmp_path):
    t = base_tables()
    t["lots"] = t["lots"].drop(columns=["purpose"])
    errs, _ = errors(tmp_path, t)
    assert errs == [("missing_column", "lots", 1, "purpose")]


def test_missing_required_value(tmp_path):
    t = base_tables()
    t["lots"].loc[4, "manufacture_date"] = None
    errs, _ = errors(tmp_path, t)
    assert errs == [("missing_value", "lots", 6, "manufacture_date")]


def test_value_outside_allowed_set(tmp_path):
    t = base_tables()
    t["lots"].loc[0, "status"] = "quarantined"
    errs, r = errors(tmp_path, t)
    assert errs == [("not_allowed", "lots", 2, "status")]
    assert "'released'" in r.errors[0].message and r.errors[0].value == "quarantined"


def test_enum_values_are_case_insensitive(tmp_path):
    t = base_tables()
    t["lots"].loc[0, "status"] = "Released"
    t["program"].loc[0, "modality"] = "ALLOGENEIC_CELL"
    _, r = errors(tmp_path, t)
    assert r.valid and r.dossier.lots["status"].iloc[0] == "released"


def test_not_a_number_where_a_number_is_required(tmp_path):
    t = base_tables()
    t["results"]["value"] = t["results"]["value"].astype(object)
    t["results"].loc[2, "value"] = "n/a"
    errs, _ = errors(tmp_path, t)
    assert errs == [("wrong_type", "results", 4, "value")]


def test_duplicate_key_names_the_first_row(tmp_path):
    t = base_tables()
    t["lots"].loc[5, "lot_id"] = "L-001"
    errs, r = errors(tmp_path, t)
    assert ("duplicate_key", "lots", 7, "lot_id") in errs
    assert "row 2" in [e for e in r.errors if e.code == "duplicate_key"][0].message


def test_composite_key_duplicates(tmp_path):
    t = base_tables()
    t = add_rows(t, "specifications", [t["specifications"].iloc[0].to_dict()])
    errs, _ = errors(tmp_path, t)
    assert ("duplicate_key", "specifications", 4, "attribute_id") in errs


@pytest.mark.parametrize("table,column,bad,row", [
    ("results", "lot_id", "L-999", 2),
    ("results", "attribute_id", "XX", 2),
    ("results", "method_id", "M-NONE", 2),
    ("administrations", "lot_id", "L-999", 2),
    ("administrations", "study_id", "S-999", 2),
    ("lots", "process_version", "v9", 2),
    ("methods", "attribute_id", "XX", 2),
    ("specifications", "method_id", "M-NONE", 2),
])
def test_dangling_reference(tmp_path, table, column, bad, row):
    t = base_tables()
    t[table].loc[0, column] = bad
    errs, r = errors(tmp_path, t)
    assert ("unknown_reference", table, row, column) in errs
    e = [e for e in r.errors if (e.table, e.column) == (table, column)][0]
    assert f"'{bad}'" in e.message and e.value == bad


def test_method_measuring_another_attribute(tmp_path):
    t = base_tables()
    t = add_rows(t, "attributes", [{"attribute_id": "VIA", "name": "Viability", "unit": "%", "category": "viability"}])
    t = add_rows(t, "methods", [{"method_id": "M-VIA", "attribute_id": "VIA", "validation_status": "validated",
                                 "in_use_from": D("2022-01-01")}])
    t["results"].loc[0, "method_id"] = "M-VIA"  # result says POT, method measures VIA
    errs, r = errors(tmp_path, t)
    assert errs == [("method_attribute", "results", 2, "method_id")]
    assert "measures attribute 'VIA', not 'POT'" in r.errors[0].message


def test_process_change_references(tmp_path):
    t = add_rows(base_tables(), "process_changes", [{
        "change_id": "PC-1", "change_date": D("2023-01-01"), "from_version": "v1", "to_version": "v2",
        "description": "x", "comparability_study_id": "CS-9"}])
    errs, _ = errors(tmp_path, t)
    assert ("unknown_reference", "process_changes", 2, "to_version") in errs
    assert ("unknown_reference", "process_changes", 2, "comparability_study_id") in errs


def test_method_change_references_and_shared_change_ids(tmp_path):
    t = add_rows(base_tables(), "process_changes", [{
        "change_id": "C-1", "change_date": D("2023-01-01"), "from_version": "v1", "to_version": "v1",
        "description": "x"}])
    t = add_rows(t, "method_changes", [{
        "change_id": "C-1", "change_date": D("2023-01-01"), "attribute_id": "POT", "from_method": "M-OLD",
        "to_method": "M-POT", "bridging_study_id": "B-9"}])
    errs, _ = errors(tmp_path, t)
    assert ("duplicate_key", "method_changes", 2, "change_id") in errs
    assert ("unknown_reference", "method_changes", 2, "from_method") in errs
    assert ("unknown_reference", "method_changes", 2, "bridging_study_id") in errs


def test_bridging_tables_references(tmp_path):
    t = add_rows(base_tables(), "bridging_studies", [{
        "bridging_study_id": "B-1", "attribute_id": "POT", "old_method": "M-OLD", "new_method": "M-POT"}])
    t = add_rows(t, "bridging_results", [
        {"bridging_study_id": "B-1", "sample_id": "S1", "method_id": "M-POT", "value": 1.0, "test_date": D("2023-01-01")},
        {"bridging_study_id": "B-2", "sample_id": "S1", "method_id": "M-POT", "value": 1.0, "test_date": D("2023-01-01")},
    ])
    errs, _ = errors(tmp_path, t)
    assert ("unknown_reference", "bridging_studies", 2, "old_method") in errs
    assert ("unknown_reference", "bridging_results", 3, "bridging_study_id") in errs


def test_bridging_result_on_a_method_outside_its_study(tmp_path):
    t = add_rows(base_tables(), "methods", [
        {"method_id": "M-OLD", "attribute_id": "POT", "validation_status": "qualified", "in_use_from": D("2021-01-01")},
        {"method_id": "M-3", "attribute_id": "POT", "validation_status": "qualified", "in_use_from": D("2021-01-01")}])
    t = add_rows(t, "bridging_studies", [{
        "bridging_study_id": "B-1", "attribute_id": "POT", "old_method": "M-OLD", "new_method": "M-POT"}])
    t = add_rows(t, "bridging_results", [
        {"bridging_study_id": "B-1", "sample_id": "S1", "method_id": "M-3", "value": 1.0, "test_date": D("2023-01-01")}])
    errs, _ = errors(tmp_path, t)
    assert errs == [("unknown_reference", "bridging_results", 2, "method_id")]


def test_comparability_references(tmp_path):
    t = add_rows(base_tables(), "comparability_studies", [{
        "comparability_study_id": "CS-1", "from_version": "v0", "to_version": "v1"}])
    t = add_rows(t, "comparability_lots", [{"comparability_study_id": "CS-1", "lot_id": "L-777"}])
    errs, _ = errors(tmp_path, t)
    assert ("unknown_reference", "comparability_studies", 2, "from_version") in errs
    assert ("unknown_reference", "comparability_lots", 2, "lot_id") in errs


def test_outcome_for_a_patient_never_dosed(tmp_path):
    t = add_rows(base_tables(), "outcomes", [{"patient_id": "P-404", "endpoint": "ORR", "responder": True}])
    errs, _ = errors(tmp_path, t)
    assert errs == [("unknown_reference", "outcomes", 2, "patient_id")]


def test_commercial_process_version_must_exist(tmp_path):
    t = base_tables()
    t["program"].loc[0, "commercial_process_version"] = "v7"
    errs, _ = errors(tmp_path, t)
    assert errs == [("unknown_reference", "program", 2, "commercial_process_version")]


def test_more_than_one_program_row(tmp_path):
    t = base_tables()
    t["program"] = pd.concat([t["program"], t["program"]], ignore_index=True)
    errs, _ = errors(tmp_path, t)
    assert ("program_rows", "program", 3, "program_id") in errs


def test_header_only_required_table_is_present(tmp_path):
    # A required table with a header and no rows is there; only what pointed into it fails.
    t = base_tables()
    t["studies"] = t["studies"].iloc[:0]
    errs, r = errors(tmp_path, t)
    assert errs and {e[:2] for e in errs} == {("unknown_reference", "administrations")}


def test_overlapping_proposed_specifications(tmp_path):
    t = add_rows(base_tables(), "specifications", [{
        "attribute_id": "POT", "kind": "proposed_commercial", "method_id": "M-POT", "lower": 60.0, "upper": 140.0,
        "effective_from": D("2024-03-01")}])
    errs, _ = errors(tmp_path, t)
    assert errs == [("overlap", "specifications", 4, "effective_from")]


def test_consecutive_specifications_do_not_overlap(tmp_path):
    t = base_tables()
    t["specifications"].loc[1, "effective_to"] = D("2024-02-29")
    t = add_rows(t, "specifications", [{
        "attribute_id": "POT", "kind": "proposed_commercial", "method_id": "M-POT", "lower": 60.0, "upper": 140.0,
        "effective_from": D("2024-03-01")}])
    assert errors(tmp_path, t)[0] == []


def test_end_date_before_start_date(tmp_path):
    t = base_tables()
    t["studies"].loc[0, "enrollment_end"] = D("2022-12-31")
    errs, _ = errors(tmp_path, t)
    assert errs == [("date_order", "studies", 2, "enrollment_end")]


def test_two_process_versions_on_one_effective_date(tmp_path):
    t = add_rows(base_tables(), "process_versions", [{"process_version": "v2", "effective_date": D("2022-06-01")}])
    errs, _ = errors(tmp_path, t)
    assert errs == [("duplicate_key", "process_versions", 3, "effective_date")]


def test_specification_without_limits(tmp_path):
    t = base_tables()
    t["specifications"].loc[0, ["lower", "upper"]] = [None, None]
    errs, _ = errors(tmp_path, t)
    assert errs == [("missing_value", "specifications", 2, "lower")]


def test_every_problem_is_reported_at_once(tmp_path):
    t = base_tables()
    t["lots"].loc[0, "status"] = "lost"
    t["results"].loc[1, "lot_id"] = "L-999"
    t["studies"].loc[0, "phase"] = "4"
    t["administrations"].loc[3, "study_id"] = "NOPE"
    errs, _ = errors(tmp_path, t)
    assert {(e[1], e[2], e[3]) for e in errs} == {
        ("lots", 2, "status"), ("results", 3, "lot_id"), ("studies", 2, "phase"), ("administrations", 5, "study_id")}
