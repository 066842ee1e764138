"""Adversarial review of AM001–AM007, SP001–SP005, the ``bridging`` and ``attributes`` blocks and
the joint projection against audit-rules.md ("Precise semantics") and cli-and-output.md.

Each test names the clause it pins down; the numbers are recomputed by hand (textbook Deming
line, explicit jackknife loop in tests/analysis/bridging_by_hand.py, sample mean and SD).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cmcready.audit import run_audit
from cmcready.plan import make_plan
from cmcready.report.json_out import audit_json, dumps, plain
from tests.analysis.bridging_by_hand import deming_line, jackknife_ci
from tests.builders import AS_OF, D, audit, findings, load
from tests.rules.am_builders import (BRIDGE_N, bridge_new, bridge_old, bridge_rows, change_row, method_change_tables,
                                     method_row, study_row, with_bridge_rows)
from tests.spec_fixtures import lot, mean_sd, mid_range_lots, normal_quantiles, phi, program

X = [bridge_old(k) for k in range(BRIDGE_N)]
Y = [bridge_new(k) for k in range(BRIDGE_N)]


def payload(result) -> dict:
    """The audit JSON as a client reads it (plain JSON: no NaN or Infinity)."""
    return json.loads(dumps(audit_json(result)))


def spec_on(t: dict, method: str, **limits) -> dict:
    out = dict(t)
    s = t["specifications"].copy()
    prop = s["kind"] == "proposed_commercial"
    s.loc[prop, "method_id"] = method
    for name, value in limits.items():
        s.loc[prop, name] = value
    out["specifications"] = s
    return out


# ---- bridging block: bias_at_limits is null when AM004 is not evaluated ------------------------

def test_bias_at_limits_is_null_without_a_proposed_spec(tmp_path):
    t = method_change_tables()
    t["specifications"] = t["specifications"].loc[t["specifications"]["kind"] == "release"].reset_index(drop=True)
    b = payload(audit(t, tmp_path))["bridging"]["BR-1"]
    # "Not evaluated (and bias_at_limits null) when ... no proposed specification is in force"
    assert b["bias_at_limits"] is None
    assert b["n_pairs"] == 24
    assert b["slope"] == pytest.approx(deming_line(X, Y)[1], rel=1e-12)


def test_bias_at_limits_is_null_when_the_study_has_no_path_to_the_spec_method(tmp_path):
    t = method_change_tables()
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("M-3", "2024-01-01")])], ignore_index=True)
    b = payload(audit(spec_on(t, "M-3"), tmp_path))["bridging"]["BR-1"]
    assert b["bias_at_limits"] is None
    assert b["slope"] is not None


def test_bias_at_limits_is_null_for_a_study_with_two_pairs(tmp_path):
    b = payload(audit(with_bridge_rows(method_change_tables(), bridge_rows(n=2)), tmp_path))["bridging"]["BR-1"]
    assert b["n_pairs"] == 2
    assert (b["slope"], b["slope_ci"], b["intercept"], b["intercept_ci"]) == (None, None, None, None)
    assert b["bias_at_limits"] is None


def test_one_sided_spec_has_a_null_bias_only_at_its_missing_limit(tmp_path):
    b = payload(audit(spec_on(method_change_tables(), "M-NEW", upper=np.nan), tmp_path))["bridging"]["BR-1"]
    b0, b1 = deming_line(X, Y)
    level = (50.0 - b0) / b1  # old-method value whose converted value is the lower limit
    assert b["bias_at_limits"]["upper"] is None
    # new minus old at X = b0 + (b1 - 1) X = 50 - X
    assert b["bias_at_limits"]["lower"] == pytest.approx(50.0 - level, rel=1e-9)


# ---- scale conversion: every study with >= 3 paired samples is a path -------------------------

THREE_OLD = (60.0, 60.0, 140.0)
THREE_NEW = (61.0, 63.0, 142.0)


def three_pair_rows() -> list[dict]:
    rows = []
    for k, (o, n) in enumerate(zip(THREE_OLD, THREE_NEW)):
        rows.append({"bridging_study_id": "BR-1", "sample_id": f"S-{k}", "method_id": "M-OLD", "value": o,
                     "test_date": D("2023-05-02")})
        rows.append({"bridging_study_id": "BR-1", "sample_id": f"S-{k}", "method_id": "M-NEW", "value": n,
                     "test_date": D("2023-05-03")})
    return rows


def test_three_pair_study_whose_jackknife_is_undefined_is_still_a_path(tmp_path):
    # Leaving out the third sample leaves two samples with the same old value: that subset's
    # Deming slope is undefined, so no jackknife interval exists. The study still has 3 paired
    # samples, and the catalog makes it a path whatever AM002-AM005 find.
    result = audit(with_bridge_rows(method_change_tables(), three_pair_rows()), tmp_path)
    assert findings(result, "AM001") == [] and findings(result, "SP004") == []
    b0, b1 = deming_line(THREE_OLD, THREE_NEW)
    body = payload(result)
    b = body["bridging"]["BR-1"]
    assert b["n_pairs"] == 3
    assert (b["slope"], b["intercept"]) == pytest.approx((b1, b0), rel=1e-12)
    assert b["slope_ci"] is None and b["intercept_ci"] is None
    # bias at the lower limit on M-NEW: X = (50 - b0) / b1, bias = 50 - X (no interval)
    assert b["bias_at_limits"]["lower"] == pytest.approx(50.0 - (50.0 - b0) / b1, rel=1e-9)
    # the old-method lots are converted with the point line: L-001 is 95 on M-OLD
    entry = body["attributes"]["POT"]
    assert entry["clinical_n_lots"] == 22
    # the clinical minimum is min(55 (L-021, on M-NEW), converted old values); old values 95..105
    # convert to about 97..107 here, so 55 stays the minimum
    assert entry["clinical_min"] == 55.0
    # AM004 with |bias| <= 10: an interval that cannot be estimated is not shown inside the band
    [f] = findings(result, "AM004")
    assert f.severity == "critical"
    assert "not estimable" in f.why


# ---- chains: the bias and the clinical range through A -> B -> C ------------------------------

def chain_tables():
    """Lots L-001..L-011 on A, L-012..L-022 on C; studies S-AB (A -> B) and S-BC (B -> C); spec on C."""
    t = method_change_tables(bridged=False)
    t["methods"] = pd.DataFrame([method_row("A", "2022-01-01", "2023-05-31"), method_row("B", "2022-06-01"),
                                 method_row("C", "2023-06-01")])
    r = t["results"].copy()
    r["method_id"] = r["method_id"].map({"M-OLD": "A", "M-NEW": "C"})
    t["results"] = r
    t["specifications"] = pd.DataFrame([
        {"attribute_id": "POT", "kind": "release", "method_id": "A", "lower": 50.0, "upper": 150.0,
         "effective_from": D("2022-01-01"), "effective_to": D("2023-05-31")},
        {"attribute_id": "POT", "kind": "release", "method_id": "C", "lower": 50.0, "upper": 150.0,
         "effective_from": D("2023-06-01"), "effective_to": None},
        {"attribute_id": "POT", "kind": "proposed_commercial", "method_id": "C", "lower": 50.0,
         "upper": 150.0, "effective_from": D("2023-01-01"), "effective_to": None},
    ])
    t["method_changes"] = pd.DataFrame([change_row("MC-1", "A", "B", bridging_study_id="S-AB"),
                                        change_row("MC-2", "B", "C", bridging_study_id="S-BC")])
    t["bridging_studies"] = pd.DataFrame([study_row("S-AB", "A", "B", acceptance_max_bias=0.5),
                                          study_row("S-BC", "B", "C", acceptance_max_bias=20.0)])
    t["bridging_results"] = pd.DataFrame(
        bridge_rows("S-AB", "A", "B", new=AB, prefix="AB") + bridge_rows("S-BC", "B", "C", new=BC, prefix="BC"))
    return t


def AB(k):  # noqa: N802 - the A -> B line: new = 0.9 old + 4 plus a small error
    return 0.9 * bridge_old(k) + 4.0 + ((k * 3) % 5 - 2) * 0.3


def BC(k):  # noqa: N802 - the B -> C line: new = 1.1 old - 3 plus a small error
    return 1.1 * bridge_old(k) - 3.0 + ((k * 2) % 3 - 1) * 0.4


def test_chain_converts_old_lots_through_both_lines_then_averages(tmp_path):
    result = audit(chain_tables(), tmp_path)
    assert findings(result, "AM001") == [] and findings(result, "SP004") == []
    a0, a1 = deming_line(X, [AB(k) for k in range(BRIDGE_N)])
    c0, c1 = deming_line(X, [BC(k) for k in range(BRIDGE_N)])
    base = result.dossier.results.set_index("lot_id")["value"]
    # A -> C: c0 + c1 (a0 + a1 v) for L-001..L-011; L-012..L-022 as measured on C
    on_c = {lot_id: (c0 + c1 * (a0 + a1 * v) if int(lot_id[2:]) <= 11 else v) for lot_id, v in base.items()}
    entry = payload(result)["attributes"]["POT"]
    assert entry["spec_method"] == "C"
    assert entry["clinical_n_lots"] == 22
    assert entry["clinical_min"] == pytest.approx(min(on_c.values()), rel=1e-12)
    assert entry["clinical_max"] == pytest.approx(max(on_c.values()), rel=1e-12)


def test_chain_bias_is_taken_at_the_limit_converted_back_along_the_path(tmp_path):
    result = audit(chain_tables(), tmp_path)
    xa, ya = X, [AB(k) for k in range(BRIDGE_N)]
    a0, a1 = deming_line(xa, ya)
    c0, c1 = deming_line(X, [BC(k) for k in range(BRIDGE_N)])
    b = payload(result)["bridging"]["S-AB"]
    [f] = findings(result, "AM004")
    assert f.subjects == {"bridging_study_id": "S-AB", "attribute_id": "POT", "method_id": "B"}
    for name, limit in (("lower", 50.0), ("upper", 150.0)):
        # the C limit back on B, then on A: ((L - c0) / c1 - a0) / a1
        level = ((limit - c0) / c1 - a0) / a1
        bias, ci = jackknife_ci(xa, ya, lambda b0, b1, at=level: b0 + (b1 - 1) * at)
        assert b["old_value_at_limits"][name] == pytest.approx(level, rel=1e-10)
        assert b["bias_at_limits"][name] == pytest.approx(bias, rel=1e-9)
        judged = next(j for j in f.evidence["limits"] if j["limit"] == name)
        assert judged["bias_ci"] == pytest.approx(list(ci), rel=1e-9)
        assert judged["fails"] == (not (-0.5 <= ci[0] and ci[1] <= 0.5))


# ---- joint projection: a fitted distribution is needed for every attribute ---------------------

def test_joint_rate_is_null_when_an_attribute_has_no_spread(tmp_path):
    # 12 lots whose potency is the same value (for instance every result "<10", entered at 10):
    # no distribution can be fitted, so the single-attribute rate is not estimable, and the joint
    # rate (which fits that same distribution) cannot be either.
    lots = [lot(f"L-{i:03d}", POT=10.0, qualifier={"POT": "<"}) for i in range(12)]
    t = program(lots, proposed={"POT": (5.0, 150.0)})
    t["specifications"].loc[t["specifications"]["kind"] == "release", "lower"] = 5.0
    body = payload(audit(t, tmp_path))
    assert body["attributes"]["POT"]["projected_oos_rate"] is None
    assert body["attributes"]["POT"]["clinical_n_lots"] == 12
    assert body["joint_projected_failure_rate"] is None
    assert "no spread" in body["joint_projection"]["not_estimable_reason"]
    assert [f for f in body["findings"] if f["code"] == "SP002"] == []


def test_joint_rate_with_spread_in_every_attribute_is_still_estimated(tmp_path):
    values = normal_quantiles(12, 100.0, 10.0)
    lots = [lot(f"L-{i:03d}", POT=v) for i, v in enumerate(values)]
    body = payload(audit(program(lots), tmp_path))
    # every lot dosed: approvable range = clinical range [min, max]; normal model (mean, SD n - 1):
    # rate = Phi((min - m) / s) + 1 - Phi((max - m) / s)
    m, s = mean_sd(values)
    expected = phi((min(values) - m) / s) + 1.0 - phi((max(values) - m) / s)
    rate = body["joint_projected_failure_rate"]
    mc_se = (expected * (1 - expected) / 200_000) ** 0.5  # Monte Carlo standard error at 200,000 draws
    assert rate == pytest.approx(expected, abs=5 * mc_se)
    assert body["attributes"]["POT"]["projected_oos_rate"] == pytest.approx(expected, rel=1e-9)


# ---- odd but valid dossiers: nothing raises, nothing is NaN ------------------------------------

def _no_bridging_tables():
    t = method_change_tables(bridged=False)
    t.pop("bridging_studies", None)
    t.pop("bridging_results", None)
    return t


def _spec_on_old():
    return spec_on(method_change_tables(), "M-OLD")


def _one_sided():
    return program(mid_range_lots(), proposed={"POT": (60.0, None)})


def _all_censored():
    lots = [lot(f"L-{i:03d}", POT=10.0, qualifier={"POT": "<"}) for i in range(12)]
    lots.append(lot("L-AV", dosed=False, POT=8.0, qualifier={"POT": "<"}))
    t = program(lots, proposed={"POT": (5.0, 150.0)})
    t["specifications"].loc[t["specifications"]["kind"] == "release", "lower"] = 5.0
    return t


def _attribute_without_results():
    t = program(mid_range_lots(), attributes=("POT", "VIA"))
    t["results"] = t["results"].loc[t["results"]["attribute_id"] != "VIA"].reset_index(drop=True)
    return t


def _safety_basis():
    lots = [lot(f"L-{i:03d}", POT=100.0 + i, VCN=1.0 + 0.1 * i) for i in range(15)]
    lots.append(lot("L-AV", dosed=False, POT=120.0, VCN=4.0))
    return program(lots, attributes=("POT", "VCN"))


def _two_pair_bridge():
    return with_bridge_rows(method_change_tables(), bridge_rows(n=2))


def _chain_with_an_unbridged_third_method():
    t = chain_tables()
    t["bridging_studies"] = t["bridging_studies"].iloc[:1]
    t["bridging_results"] = t["bridging_results"].loc[t["bridging_results"]["bridging_study_id"] == "S-AB"]
    t["method_changes"] = t["method_changes"].assign(bridging_study_id=["S-AB", None])
    return t


ODD = {
    "no bridging tables": _no_bridging_tables,
    "bridge with two pairs": _two_pair_bridge,
    "spec on the old method": _spec_on_old,
    "chain of three methods": chain_tables,
    "chain broken before the spec method": _chain_with_an_unbridged_third_method,
    "one-sided spec": _one_sided,
    "all values censored": _all_censored,
    "attribute without results": _attribute_without_results,
    "safety-basis attribute": _safety_basis,
    "patient-specific modality": lambda: program(mid_range_lots(), modality="autologous_cell"),
    "no proposed spec": lambda: program(mid_range_lots(), proposed={"POT": None}),
}

ATTRIBUTE_KEYS = {"spec_method", "proposed_lower", "proposed_upper", "clinical_min", "clinical_max",
                  "clinical_n_lots", "pivotal_min", "pivotal_max", "projected_oos_rate", "projected_oos_ci", "model"}
BRIDGING_KEYS = {"n_pairs", "slope", "slope_ci", "intercept", "intercept_ci", "bias_at_limits"}


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_dossier_gives_plain_json_audit_and_plan(tmp_path, name):
    dossier = load(ODD[name](), tmp_path)
    body = json.loads(dumps(audit_json(run_audit(dossier, as_of=AS_OF))))  # allow_nan=False: raises on NaN
    for entry in body["attributes"].values():
        assert ATTRIBUTE_KEYS <= set(entry)
        assert isinstance(entry["clinical_n_lots"], int)
        assert entry["model"] in ("normal", "lognormal", None)
        assert (entry["projected_oos_rate"] is None) == (entry["projected_oos_ci"] is None)
    for entry in body["bridging"].values():
        assert BRIDGING_KEYS <= set(entry)
        bal = entry["bias_at_limits"]
        assert bal is None or set(bal) == {"lower", "upper"}
    rate = body["joint_projected_failure_rate"]
    assert rate is None or 0.0 <= rate <= 1.0
    plan = json.loads(dumps(plain(make_plan(dossier, as_of=AS_OF))))
    assert plan["as_of"] == AS_OF.isoformat()
    assert isinstance(plan["targets"], list) and isinstance(plan["recommended_lots"], list)
    for t in plan["targets"]:
        assert t["limit"] in ("lower", "upper") and t["proposed"] is not None and t["clinical_extreme"] is not None
    if dossier.program.patient_specific:
        assert plan["recommended_lots"] == [] and plan["note"]


def test_odd_dossiers_give_the_expected_findings(tmp_path):
    def codes(name):
        result = audit(ODD[name](), tmp_path / name.replace(" ", "_"))
        return sorted({(f.code, f.severity) for f in result.findings if f.code[:2] in ("AM", "SP")})

    # no bridge at all: the old-method clinical lots (11, pivotal) are unbridged: AM001 critical + SP004
    assert codes("no bridging tables") == [("AM001", "critical"), ("SP004", "critical")]
    # two pairs: no path (AM001, SP004) and too small (AM003)
    assert codes("bridge with two pairs") == [("AM001", "critical"), ("AM003", "major"), ("SP004", "critical")]
    assert codes("spec on the old method") == []
    # the chain's A -> B criterion of 0.5 fails at a limit (AM004) and nothing else
    assert codes("chain of three methods") == [("AM004", "critical")]
    # without S-BC, neither A nor B reaches C: the 11 A lots are unbridged
    assert codes("chain broken before the spec method") == [("AM001", "critical"), ("SP004", "critical")]
    # VIA is a CQA with a proposed spec but no result at all: nothing to judge (no SP001/SP003/SP004)
    assert ("SP004", "critical") not in codes("attribute without results")
