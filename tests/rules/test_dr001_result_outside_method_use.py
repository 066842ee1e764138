"""DR001: every result row (reportable or not) dated within its method's in-use period."""

from __future__ import annotations

import pandas as pd

from tests.builders import add_rows, audit, base_tables, findings

D = pd.Timestamp
# Base lots: L-00k (k = i + 1) made 2023-01-02 + 14·i days, tested 5 days later, so
# L-001 tested 2023-01-07, L-002 2023-01-21, L-003 2023-02-04, L-022 (i = 21) 2023-10-28.
# Results rows as the user sees them: header = row 1, so L-00k's result is row k + 1.


def _set_method(t, **cols):
    for k, v in cols.items():
        t["methods"].loc[t["methods"]["method_id"] == "M-POT", k] = v
    return t


def test_base_dossier_has_no_dr001(tmp_path):
    assert findings(audit(base_tables(), tmp_path), "DR001") == []


def test_results_before_in_use_from_fire_one_minor_finding_for_the_method(tmp_path):
    t = _set_method(base_tables(), in_use_from=D("2023-02-01"))
    [f] = findings(audit(t, tmp_path), "DR001")
    assert f.severity == "minor"
    # L-001 (2023-01-07) and L-002 (2023-01-21) are before 2023-02-01; L-003 (2023-02-04) is not.
    assert f.subjects == {"method_id": "M-POT", "attribute_id": "POT", "lot_ids": ["L-001", "L-002"]}
    e = f.evidence
    assert e["n_results_outside"] == 2 and e["n_before_in_use_from"] == 2 and e["n_after_in_use_to"] == 0
    assert e["results_rows"] == [2, 3] and e["results_rows_truncated"] is False
    assert e["earliest_test_date"] == "2023-01-07" and e["latest_test_date"] == "2023-01-21"
    assert e["in_use_from"] == "2023-02-01" and e["in_use_to"] is None
    assert e["n_results_of_method"] == 22 and e["n_not_reportable"] == 0
    assert f.due_date is None
    assert any("Q2(R2)" in r for r in f.references) and any("Q14" in r for r in f.references)
    assert "M-POT" in f.action and "2, 3" in f.action


def test_results_on_first_and_last_day_of_use_are_inside(tmp_path):
    # in_use_from = L-001's test date, in_use_to = L-022's test date: both ends included.
    t = _set_method(base_tables(), in_use_from=D("2023-01-07"), in_use_to=D("2023-10-28"))
    assert findings(audit(t, tmp_path), "DR001") == []


def test_result_the_day_after_in_use_to_fires(tmp_path):
    t = _set_method(base_tables(), in_use_from=D("2023-01-07"), in_use_to=D("2023-10-27"))
    [f] = findings(audit(t, tmp_path), "DR001")
    assert f.subjects["lot_ids"] == ["L-022"]
    e = f.evidence
    assert (e["n_results_outside"], e["n_before_in_use_from"], e["n_after_in_use_to"]) == (1, 0, 1)
    assert e["in_use_to"] == "2023-10-27" and e["results_rows"] == [23]


def test_non_reportable_rows_are_checked_too(tmp_path):
    t = add_rows(base_tables(), "results", [
        {"lot_id": "L-005", "attribute_id": "POT", "method_id": "M-POT", "value": 99.0,
         "test_date": D("2021-12-01"), "reportable": False},
    ])
    [f] = findings(audit(t, tmp_path), "DR001")
    # M-POT is in use from 2022-01-01; the appended row is results row 24 (22 rows + header + 1).
    assert f.subjects["lot_ids"] == ["L-005"]
    assert f.evidence["n_not_reportable"] == 1 and f.evidence["results_rows"] == [24]
    assert f.evidence["n_results_of_method"] == 23


def test_one_finding_per_method(tmp_path):
    t = _set_method(base_tables(), in_use_to=D("2023-10-20"))  # L-022 (2023-10-28) after it
    t = add_rows(t, "methods", [{"method_id": "M-POT2", "attribute_id": "POT", "name": "New assay",
                                 "validation_status": "validated", "validated_date": D("2024-01-01"),
                                 "in_use_from": D("2024-01-01"), "in_use_to": None}])
    t = add_rows(t, "results", [
        {"lot_id": lot, "attribute_id": "POT", "method_id": "M-POT2", "value": 100.0,
         "test_date": D("2023-12-01"), "reportable": False}
        for lot in ("L-003", "L-001", "L-003")
    ])
    by_method = {f.subjects["method_id"]: f for f in findings(audit(t, tmp_path), "DR001")}
    assert sorted(by_method) == ["M-POT", "M-POT2"]
    old, new = by_method["M-POT"], by_method["M-POT2"]
    assert old.subjects["lot_ids"] == ["L-022"] and old.evidence["n_after_in_use_to"] == 1
    # three rows, two distinct lots, sorted and without duplicates
    assert new.subjects["lot_ids"] == ["L-001", "L-003"]
    assert new.evidence["n_results_outside"] == 3 and new.evidence["n_before_in_use_from"] == 3
    assert new.evidence["results_rows"] == [24, 25, 26]


def test_many_rows_listed_up_to_twenty_and_counted_in_full(tmp_path):
    t = base_tables()
    t = add_rows(t, "results", [
        {"lot_id": "L-010", "attribute_id": "POT", "method_id": "M-POT", "value": 100.0,
         "test_date": D("2021-06-01") + pd.Timedelta(days=i), "reportable": False}
        for i in range(25)
    ])
    [f] = findings(audit(t, tmp_path), "DR001")
    assert f.evidence["n_results_outside"] == 25
    assert f.evidence["results_rows"] == list(range(24, 44)) and f.evidence["results_rows_truncated"] is True
    assert f.evidence["earliest_test_date"] == "2021-06-01" and f.evidence["latest_test_date"] == "2021-06-25"


def test_hundreds_of_thousands_of_rows_are_checked_vectorised(tmp_path):
    import time

    import numpy as np

    from cmcready.context import AuditContext
    from cmcready.dossier import Dossier
    from cmcready.rules import all_rules
    from tests.builders import AS_OF, load

    d = load(base_tables(), tmp_path)
    r = d.results
    big = r.loc[np.repeat(r.index.to_numpy(), 10_000)].reset_index(drop=True)  # 220 000 rows
    rng = np.random.default_rng(11)
    big["test_date"] = D("2021-01-01") + pd.to_timedelta(rng.integers(0, 1500, len(big)), unit="D")
    big["_row"] = np.arange(2, len(big) + 2)
    ctx = AuditContext(Dossier(program=d.program, tables={**d.tables, "results": big}), as_of=AS_OF)
    start = time.perf_counter()
    [f] = list(all_rules()["DR001"].check(ctx))
    elapsed = time.perf_counter() - start
    # M-POT is in use from 2022-01-01, open-ended: only earlier dates are outside
    assert f.evidence["n_results_outside"] == int((big["test_date"] < D("2022-01-01")).sum())
    assert f.evidence["n_after_in_use_to"] == 0
    assert elapsed < 30
