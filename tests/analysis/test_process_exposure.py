"""Which process versions made the lots each study's patients received."""

from __future__ import annotations

from cmcready.analysis.process_exposure import (pivotal_exposure_by_version, pivotal_not_applicable_reason,
                                                process_exposure)
from cmcready.context import AuditContext
from tests.builders import AS_OF, D, add_rows, base_tables, load
from tests.rules.process_builders import lot_ids, with_v2


def context(tables, tmp_path) -> AuditContext:
    return AuditContext(load(tables, tmp_path), as_of=AS_OF)


def two_studies():
    # v2 made L-017..L-022; a phase 1 study P1 treats P-101 with L-001 and P-102 with L-017 twice
    tables = with_v2(base_tables(), change_date=D("2023-08-01"), v2_lots=lot_ids(17, 22))
    tables = add_rows(tables, "studies", [{"study_id": "P1", "phase": "1", "pivotal": False,
                                           "enrollment_start": D("2023-01-01"), "enrollment_end": None}])
    return add_rows(tables, "administrations", [
        {"patient_id": "P-101", "study_id": "P1", "lot_id": "L-001", "administration_date": D("2023-02-01")},
        {"patient_id": "P-102", "study_id": "P1", "lot_id": "L-017", "administration_date": D("2023-09-01")},
        {"patient_id": "P-102", "study_id": "P1", "lot_id": "L-017", "administration_date": D("2023-10-01")},
    ])


def test_exposure_by_study_and_version(tmp_path):
    out = process_exposure(context(two_studies(), tmp_path))
    rows = [tuple(r) for r in out.itertuples(index=False)]
    # PIV: one patient per lot, v1 L-001..L-016, v2 L-017..L-022; P1: one lot of each version
    assert rows == [
        ("P1", False, "v1", 1, 1, 1),
        ("P1", False, "v2", 1, 1, 2),
        ("PIV", True, "v1", 16, 16, 16),
        ("PIV", True, "v2", 6, 6, 6),
    ]


def test_pivotal_exposure_ignores_other_studies(tmp_path):
    out = pivotal_exposure_by_version(context(two_studies(), tmp_path))
    assert out.to_dict("index") == {"v1": {"n_lots": 16, "n_patients": 16}, "v2": {"n_lots": 6, "n_patients": 6}}


def test_no_pivotal_administration_gives_an_empty_pivotal_exposure(tmp_path):
    # every patient moved to the non-pivotal study P1 (a required table cannot be empty)
    tables = two_studies()
    tables["administrations"] = tables["administrations"].assign(study_id="P1")
    ctx = context(tables, tmp_path)
    assert pivotal_exposure_by_version(ctx).empty
    assert set(process_exposure(ctx)["study_id"]) == {"P1"}
    assert pivotal_not_applicable_reason(ctx) == "no lot has been administered in the pivotal study (PIV) yet"


def test_pivotal_rules_apply_with_a_pivotal_administration(tmp_path):
    assert pivotal_not_applicable_reason(context(base_tables(), tmp_path)) is None
