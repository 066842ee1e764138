"""DR002: administrations only of released lots, on or after their release_date."""

from __future__ import annotations

import pandas as pd

from tests.builders import add_rows, audit, base_tables, findings

D = pd.Timestamp
# Base lots: L-00k (k = i + 1) made 2023-01-02 + 14·i days, released 10 days later and
# administered 15 days after manufacture to patient P-00k in the pivotal study PIV:
#   L-003 made 2023-01-30, released 2023-02-09, dosed 2023-02-14
#   L-006 made 2023-03-13, released 2023-03-23, dosed 2023-03-28


def _lot(t, lot, **cols):
    for k, v in cols.items():
        t["lots"].loc[t["lots"]["lot_id"] == lot, k] = v
    return t


def _dose_date(t, lot, day):
    t["administrations"].loc[t["administrations"]["lot_id"] == lot, "administration_date"] = day
    return t


def test_base_dossier_has_no_dr002(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "DR002") == []


def test_administration_before_release_date_fires_major_for_the_lot(tmp_path):
    t = _dose_date(base_tables(), "L-003", D("2023-02-06"))
    [f] = findings(audit(t, tmp_path), "DR002")
    assert f.severity == "major"
    assert f.subjects == {"lot_ids": ["L-003"], "study_id": "PIV"}
    e = f.evidence
    assert e["reasons"] == ["administered before its release_date 2023-02-09"]
    # 2023-02-09 − 2023-02-06 = 3 days
    assert e["max_days_before_release"] == 3 and e["n_before_release_date"] == 1
    assert e["status"] == "released" and e["release_date"] == "2023-02-09"
    assert e["n_administrations"] == 1 and e["patient_ids"] == ["P-003"] and e["pivotal"] is True
    assert f.due_date is None and any("Q6B" in r for r in f.references)
    assert "L-003" in f.action and "P-003" in f.action


def test_administration_on_the_release_date_is_not_dr002(tmp_path):
    t = _dose_date(base_tables(), "L-003", D("2023-02-09"))
    assert findings(audit(t, tmp_path), "DR002") == []


def test_rejected_lot_administered_after_its_decision_fires(tmp_path):
    t = _lot(base_tables(), "L-004", status="rejected", failure_reason="sterility")
    [f] = findings(audit(t, tmp_path), "DR002")
    assert f.subjects["lot_ids"] == ["L-004"]
    assert f.evidence["reasons"] == ["status rejected"]
    assert f.evidence["failure_reason"] == "sterility" and f.evidence["max_days_before_release"] is None


def test_released_lot_without_release_date_fires(tmp_path):
    t = _lot(base_tables(), "L-005", release_date=pd.NaT)
    [f] = findings(audit(t, tmp_path), "DR002")
    assert f.subjects["lot_ids"] == ["L-005"]
    assert f.evidence["reasons"] == ["released with no release_date recorded"]
    assert f.evidence["release_date"] is None


def test_in_process_lot_without_release_date_fires_for_its_status_only(tmp_path):
    t = _lot(base_tables(), "L-007", status="in_process", release_date=pd.NaT, expiry_date=pd.NaT)
    [f] = findings(audit(t, tmp_path), "DR002")
    assert f.evidence["reasons"] == ["status in_process"]


def test_failed_manufacture_lot_fires(tmp_path):
    t = _lot(base_tables(), "L-008", status="failed_manufacture", release_date=pd.NaT, expiry_date=pd.NaT)
    [f] = findings(audit(t, tmp_path), "DR002")
    assert f.subjects["lot_ids"] == ["L-008"] and f.evidence["reasons"] == ["status failed_manufacture"]


def test_one_finding_per_lot_across_studies_names_the_first_offending_study(tmp_path):
    t = _lot(base_tables(), "L-006", status="rejected")
    t = add_rows(t, "studies", [{"study_id": "NP", "phase": "1", "pivotal": False,
                                 "enrollment_start": D("2022-06-01"), "enrollment_end": None}])
    t = add_rows(t, "administrations", [{"patient_id": "P-100", "study_id": "NP", "lot_id": "L-006",
                                         "administration_date": D("2023-03-20")}])
    [f] = findings(audit(t, tmp_path), "DR002")
    # P-100 in NP on 2023-03-20 comes before P-006 in PIV on 2023-03-28.
    assert f.subjects == {"lot_ids": ["L-006"], "study_id": "NP"}
    e = f.evidence
    assert e["study_ids"] == ["NP", "PIV"] and e["patient_ids"] == ["P-006", "P-100"]
    assert e["n_administrations"] == 2 and e["pivotal"] is True
    assert e["reasons"] == ["status rejected", "administered before its release_date 2023-03-23"]
    # 2023-03-23 − 2023-03-20 = 3 days; only the NP administration is early
    assert e["n_before_release_date"] == 1 and e["max_days_before_release"] == 3
    assert e["first_administration_date"] == "2023-03-20" and e["last_administration_date"] == "2023-03-28"


def test_only_early_administrations_of_a_released_lot_count(tmp_path):
    t = add_rows(base_tables(), "administrations", [
        {"patient_id": "P-101", "study_id": "PIV", "lot_id": "L-003", "administration_date": D("2023-02-01")},
        {"patient_id": "P-102", "study_id": "PIV", "lot_id": "L-003", "administration_date": D("2023-02-08")},
    ])
    [f] = findings(audit(t, tmp_path), "DR002")
    # the base administration on 2023-02-14 is after release (2023-02-09): not counted
    assert f.evidence["n_administrations"] == 2 and f.evidence["patient_ids"] == ["P-101", "P-102"]
    # 2023-02-09 − 2023-02-01 = 8 days, the earliest of the two
    assert f.evidence["max_days_before_release"] == 8
