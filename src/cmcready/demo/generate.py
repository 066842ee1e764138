"""The bundled demo program: a deterministic, realistic dossier with real findings.

CTX-19 is an autologous anti-CD19 CAR-T. Its record tells a common story:

* Phase 1 (``CTX19-101``, not pivotal) ran on process ``v1`` and released potency
  with a qualified Cr-51 release cytotoxicity assay (``M-POT-01``).
* The pivotal Phase 2 (``CTX19-201``) opened on 2023-06-05 and is still enrolling on
  the as-of date. Eight pivotal patients received ``v1`` lots; on 2023-08-14 the
  transduction step changed (``PC-001``: MOI 5 to MOI 3 with a transduction enhancer,
  risk medium), giving ``v2``, the commercial process. The comparability study
  ``CS-001`` compared three ``v1`` lots with three ``v2`` engineering lots; one ``v2``
  lot's vector copy number lies above the pre-change quality range.
* In early 2024 potency moved to a validated flow-cytometric killing assay
  (``M-POT-02``, reading about 1.15 x old - 3) via ``MC-001``. The bridging study
  ``BR-001`` exists but is weak: 12 paired samples, old-method tests after the old
  method's retirement, a protocol approved two weeks after the first paired tests,
  and a +/-15 % bias criterion it cannot meet at the proposed limits.
* Failed runs (insufficient expansion, low T-cell yield, contamination, a bag
  breach) and two ``v2`` release rejections (a vector copy number above 5, a
  positive sterility test) put the ``v2`` success rate near 87 %.
* The proposed commercial specification carries the release limits forward
  (viability >= 70 % although every administered lot was >= 80 %; potency 20-90 %
  lysis although administered lots spanned about 33-64 %). A few released lots
  were never administered (patients who died or are awaiting infusion, PPQ lots),
  two of them with potency near the proposed limits; being autologous, they cannot
  be given to anyone else.
* Month-3 response (``ORR_month3``) is only weakly related to potency.

Everything is drawn from ``numpy.random.default_rng(seed)`` on a fixed calendar: the
story's structure (which runs fail, which lots are bridged, which lots are in the
comparability study) is fixed, the measured values vary with the seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..dossier.schema import TABLES
from ..dossier.write import write_csv_folder, write_workbook

#: The date the demo is audited "as of": pivotal enrollment is in its last months.
DEMO_AS_OF = dt.date(2025, 3, 31)

PROGRAM_ID = "CTX-19"
PRODUCT_NAME = "CTX-19 (autologous anti-CD19 CAR-T)"
PHASE1_STUDY = "CTX19-101"
PIVOTAL_STUDY = "CTX19-201"
PROCESS_CHANGE = "PC-001"
METHOD_CHANGE = "MC-001"
BRIDGING_STUDY = "BR-001"
COMPARABILITY_STUDY = "CS-001"
OLD_POTENCY_METHOD = "M-POT-01"
NEW_POTENCY_METHOD = "M-POT-02"

_D = dt.date.fromisoformat
V2_EFFECTIVE = _D("2023-08-14")
OLD_POTENCY_LAST_DAY = _D("2024-01-31")  # in_use_to of M-POT-01
PHASE1_START, PHASE1_END = _D("2022-01-10"), _D("2023-03-24")
PIVOTAL_START = _D("2023-06-05")
V2_CLINICAL_START = _D("2023-09-25")  # first pivotal enrollment after the switch to v2

# The new potency method reads about 1.15 x old - 3 (% specific lysis, E:T 10:1).
NEW_SLOPE, NEW_INTERCEPT = 1.15, -3.0
ASSAY_SD = 2.0  # measurement SD of either potency method (error ratio 1)

ENDOTOXIN_LOQ = 0.05

FAILURE_REASONS = (
    "Insufficient expansion: target dose not reached by day 10",
    "Low T-cell yield from apheresis material; culture terminated on day 4",
    "In-process sterility positive (Gram-positive cocci); culture terminated",
    "Bag integrity breach at harvest; product discarded",
    "Insufficient expansion: target dose not reached by day 9",
)


# ----------------------------------------------------------------------------------
# The story as a list of manufacturing attempts
# ----------------------------------------------------------------------------------

def _day(d: dt.date, n: float) -> dt.date:
    return d + dt.timedelta(days=int(round(n)))


def _enrollment_dates(rng, start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    """n enrollment dates from start to end (both kept), interior ones jittered."""
    span = (end - start).days
    base = np.linspace(0, span, n)
    jitter = rng.integers(-3, 4, size=n)
    jitter[0] = jitter[-1] = 0
    return [_day(start, b + j) for b, j in zip(base, jitter)]


def _attempt(version, mdate, purpose, status, *, study=None, patient=None, role="dose",
             reason=None, overrides=None):
    return dict(version=version, mdate=mdate, purpose=purpose, status=status, study=study,
                patient=patient, role=role, reason=reason, overrides=overrides or {})


def _attempts(rng) -> list[dict]:
    out: list[dict] = []
    # Engineering runs of v1 (healthy-donor material).
    for d in ("2021-09-13", "2021-10-04", "2021-10-25"):
        out.append(_attempt("v1", _D(d), "engineering", "released", role="engineering"))

    # Phase 1: 24 patients on v1.
    failed = {3: FAILURE_REASONS[0], 9: FAILURE_REASONS[1], 15: FAILURE_REASONS[3], 20: FAILURE_REASONS[0]}
    for i, enr in enumerate(_enrollment_dates(rng, PHASE1_START, PHASE1_END, 24)):
        pid = f"P101-{i + 1:03d}"
        m = _day(enr, 5 + rng.integers(0, 3))
        kw = dict(study=PHASE1_STUDY, patient=pid)
        if i in failed:
            out.append(_attempt("v1", m, "clinical", "failed_manufacture", role="failed", reason=failed[i], **kw))
            if i == 20:  # the patient progressed before a second apheresis
                continue
            m = _day(m, 21)
        elif i == 12:  # low transduction: fails the identity release limit, remade
            out.append(_attempt("v1", m, "clinical", "rejected", role="rejected",
                                reason="CAR+ T cells 8.7 %, below the release limit of 10 %",
                                overrides={"CAR": 8.7}, **kw))
            m = _day(m, 28)
        if i == 6:  # released, but the patient died of disease before infusion
            out.append(_attempt("v1", m, "clinical", "released", role="withdrawn", **kw))
            continue
        ov = {"CAR": 24.6} if i == 17 else {}
        out.append(_attempt("v1", m, "clinical", "released", overrides=ov, **kw))

    # Pivotal Phase 2, first eight patients still on v1; three of them are the
    # pre-change arm of the comparability study.
    cs_v1 = {0: dict(POT_old=38.2, VIA=86.1, CAR=38.5, VCN=1.02, ENDO=None),
             1: dict(POT_old=46.4, VIA=90.2, CAR=45.2, VCN=1.41, ENDO=None),
             3: dict(POT_old=53.9, VIA=88.0, CAR=51.8, VCN=1.20, ENDO=None)}
    for i, enr in enumerate(_enrollment_dates(rng, PIVOTAL_START, _D("2023-09-08"), 8)):
        pid = f"P201-{i + 1:03d}"
        m = _day(enr, 5 + rng.integers(0, 3))
        kw = dict(study=PIVOTAL_STUDY, patient=pid)
        if i == 2:
            out.append(_attempt("v1", m, "clinical", "failed_manufacture", role="failed",
                                reason=FAILURE_REASONS[4], **kw))
            m = _day(m, 21)
        role = "dose_cs" if i in cs_v1 else "dose"
        out.append(_attempt("v1", m, "clinical", "released", role=role, overrides=cs_v1.get(i, {}), **kw))

    # Comparability runs of v2 (engineering, post-change arm).
    cs_v2 = (dict(POT_new=52.4, VIA=89.3, CAR=55.1, VCN=1.63, ENDO=None),
             dict(POT_new=57.1, VIA=91.0, CAR=60.3, VCN=2.31, ENDO=None),
             dict(POT_new=49.8, VIA=87.6, CAR=57.4, VCN=1.72, ENDO=None))
    for d, ov in zip(("2023-08-15", "2023-08-22", "2023-08-29"), cs_v2):
        out.append(_attempt("v2", _D(d), "engineering", "released", role="engineering_cs", overrides=ov))

    # Pivotal Phase 2 on v2: 50 more patients.
    failed = {4: FAILURE_REASONS[0], 13: FAILURE_REASONS[2], 22: FAILURE_REASONS[1],
              31: FAILURE_REASONS[0], 40: FAILURE_REASONS[3]}
    dates = _enrollment_dates(rng, V2_CLINICAL_START, _D("2025-02-21"), 48)
    dates += [_D("2025-03-12"), _D("2025-03-19")]
    for i, enr in enumerate(dates):
        pid = f"P201-{i + 9:03d}"
        m = _day(enr, 5) if i >= 48 else _day(enr, 5 + rng.integers(0, 3))
        kw = dict(study=PIVOTAL_STUDY, patient=pid)
        if i in failed:
            out.append(_attempt("v2", m, "clinical", "failed_manufacture", role="failed", reason=failed[i], **kw))
            if i == 40:  # the patient progressed and left the study
                continue
            m = _day(m, 21)
        elif i == 17:
            out.append(_attempt("v2", m, "clinical", "rejected", role="rejected",
                                reason="Vector copy number 5.4 copies/cell, above the release limit of 5",
                                overrides={"VCN": 5.42}, **kw))
            m = _day(m, 28)
        elif i == 35:
            out.append(_attempt("v2", m, "clinical", "rejected", role="rejected",
                                reason="Final product sterility positive (BacT/ALERT, day 6)", **kw))
            m = _day(m, 28)
        if i in (26, 38):  # released; the patient died before infusion
            ov = {"POT_new": 78.0} if i == 26 else {"POT_new": 32.0}
            out.append(_attempt("v2", m, "clinical", "released", role="withdrawn", overrides=ov, **kw))
        elif i in (46, 47):
            out.append(_attempt("v2", m, "clinical", "released", role="awaiting", **kw))
        elif i in (48, 49):
            out.append(_attempt("v2", m, "clinical", "in_process", role="in_process", **kw))
        else:
            ov = {"POT_new": 32.6} if i == 20 else {}
            out.append(_attempt("v2", m, "clinical", "released", overrides=ov, **kw))

    # Process performance qualification of v2.
    for d in ("2024-11-04", "2024-12-02", "2025-01-13"):
        out.append(_attempt("v2", _D(d), "ppq", "released", role="ppq"))

    out.sort(key=lambda a: (a["mdate"], a["patient"] or ""))
    for n, a in enumerate(out, start=1):
        a["lot_id"] = f"C19-{n:03d}"
    return out


# ----------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------

def _truncnorm(rng, mean, sd, lo, hi) -> float:
    while True:
        v = rng.normal(mean, sd)
        if lo <= v <= hi:
            return float(v)


_TRUE = {  # per version: (mean, sd) of each attribute's true value
    "v1": dict(POT=(45.0, 7.0), VIA=(87.0, 3.0), CAR=(42.0, 8.0), VCN=(1.30, 0.30)),
    "v2": dict(POT=(47.0, 7.0), VIA=(88.5, 2.6), CAR=(51.0, 7.5), VCN=(1.90, 0.40)),
}
_BOUNDS = dict(POT=(28.0, 61.0), VIA=(80.6, 95.8), CAR=(23.0, 72.0), VCN=(0.60, 3.20))


def _new_scale(old: float) -> float:
    return NEW_SLOPE * old + NEW_INTERCEPT


def _true_values(rng, lot: dict) -> dict:
    """The lot's true potency (old scale) and its other attribute values."""
    t = _TRUE[lot["version"]]
    ov = lot["overrides"]
    vals = {k: _truncnorm(rng, *t[k], *_BOUNDS[k]) for k in ("POT", "VIA", "CAR", "VCN")}
    censored = rng.random() < 0.8
    endo = ENDOTOXIN_LOQ if censored else float(rng.uniform(0.06, 0.30))
    vals["ENDO"] = (round(endo, 2), "<" if censored else None)
    for k in ("VIA", "CAR", "VCN"):
        if k in ov:
            vals[k] = ov[k]
    if "ENDO" in ov:
        vals["ENDO"] = (ENDOTOXIN_LOQ, "<")
    return vals


def _results_and_release(rng, lot: dict) -> tuple[list[dict], dt.date | None]:
    """Release testing of one produced lot; returns result rows and the release date."""
    harvest = _day(lot["mdate"], 10 if lot["version"] == "v1" else 9)
    v = _true_values(rng, lot)
    ov = lot["overrides"]
    rows = []

    def add(attr, method, value, when, qualifier=None, reportable=True):
        rows.append(dict(lot_id=lot["lot_id"], attribute_id=attr, method_id=method, value=float(value),
                         qualifier=qualifier, test_date=when, reportable=reportable))

    add("VIA", "M-VIA-01", round(v["VIA"], 1), harvest)
    add("ENDO", "M-ENDO-01", v["ENDO"][0], _day(harvest, 2), v["ENDO"][1])
    add("CAR", "M-CAR-01", round(v["CAR"], 1), _day(harvest, 3))
    add("VCN", "M-VCN-01", round(v["VCN"], 2), _day(harvest, 6))
    pot_day = _day(harvest, 7 + rng.integers(0, 4))
    if rng.random() < 0.06:  # an invalid run (system suitability failed), repeated
        method = OLD_POTENCY_METHOD if pot_day <= OLD_POTENCY_LAST_DAY else NEW_POTENCY_METHOD
        add("POT", method, round(rng.uniform(10, 95), 1), pot_day, reportable=False)
        pot_day = _day(pot_day, 3)
    true_old = v["POT"]
    if "POT_old" in ov:
        true_old = ov["POT_old"]
    elif "POT_new" in ov:
        true_old = (ov["POT_new"] - NEW_INTERCEPT) / NEW_SLOPE
    noise = 0.0 if ("POT_old" in ov or "POT_new" in ov) else rng.normal(0, ASSAY_SD)
    if pot_day <= OLD_POTENCY_LAST_DAY:
        add("POT", OLD_POTENCY_METHOD, round(true_old + noise, 1), pot_day)
    else:
        add("POT", NEW_POTENCY_METHOD, round(_new_scale(true_old) + noise, 1), pot_day)
    lot["_true_pot_old"] = true_old
    release = _day(max(r["test_date"] for r in rows), 2 + rng.integers(0, 3))
    return rows, release


def _potency_new_scale(rows: list[dict]) -> float:
    """Rough spec-scale potency of a lot (for simulating outcomes only)."""
    r = [x for x in rows if x["attribute_id"] == "POT" and x["reportable"]][0]
    return r["value"] if r["method_id"] == NEW_POTENCY_METHOD else _new_scale(r["value"])


# ----------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------

def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    table = next(t for t in TABLES if t.name == name)
    frame = pd.DataFrame(rows, columns=list(table.column_names))
    for col in table.columns:
        s = frame[col.name]
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(pd.Series(list(s), dtype=object)).astype("datetime64[ns]")
        elif col.kind == "number":
            frame[col.name] = pd.to_numeric(s, errors="raise").astype(float)
        elif col.kind == "bool":
            frame[col.name] = s.astype(bool)
        else:
            frame[col.name] = pd.Series([None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
                                         for x in s], dtype=object)
    return frame


def demo_tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The demo dossier as one frame per contract table (contract column names)."""
    rng = np.random.default_rng(seed)
    lots = _attempts(rng)

    # ---- manufacture, release testing, release and dosing --------------------------
    lot_rows, results, admins = [], [], []
    for lot in lots:
        rows, release = ([], None)
        if lot["status"] in ("released", "rejected", "in_process"):
            rows, release = _results_and_release(rng, lot)
        if lot["status"] == "in_process":  # testing under way: results so far only
            rows = [r for r in rows if r["test_date"] <= DEMO_AS_OF]
            release = None
        lot["_rows"] = rows
        results += rows
        expiry = _day(lot["mdate"], 365) if lot["status"] == "released" else None
        lot_rows.append(dict(lot_id=lot["lot_id"], process_version=lot["version"], manufacture_date=lot["mdate"],
                             purpose=lot["purpose"], status=lot["status"], failure_reason=lot["reason"],
                             release_date=release, expiry_date=expiry))
        if lot["status"] == "released" and lot["role"] in ("dose", "dose_cs"):
            when = _day(release, 3 + rng.integers(0, 9))
            lot["_admin"] = when
            admins.append(dict(patient_id=lot["patient"], study_id=lot["study"], lot_id=lot["lot_id"],
                               administration_date=when))

    by_role = lambda *roles: [x for x in lots if x["role"] in roles]  # noqa: E731

    # A superseded investigation retest on the retired Cr-51 assay (record integrity).
    p1_dosed = [x for x in by_role("dose") if x["study"] == PHASE1_STUDY]
    results.append(dict(lot_id=p1_dosed[5]["lot_id"], attribute_id="POT", method_id=OLD_POTENCY_METHOD,
                        value=float(round(p1_dosed[5]["_true_pot_old"] + rng.normal(0, ASSAY_SD), 1)),
                        qualifier=None, test_date=_D("2024-02-12"), reportable=False))

    # ---- outcomes: month-3 response, weakly related to potency ---------------------
    outcomes = []
    for lot in by_role("dose", "dose_cs"):
        if _day(lot["_admin"], 91) > DEMO_AS_OF:
            continue
        pot = _potency_new_scale(lot["_rows"])
        p = 1.0 / (1.0 + np.exp(-(0.85 + 0.03 * (pot - 50.0))))
        outcomes.append(dict(patient_id=lot["patient"], endpoint="ORR_month3",
                             responder=bool(rng.random() < p), value=None))

    # ---- bridging study BR-001: 12 retained v1 samples -----------------------------
    pool = sorted((x for x in by_role("dose") if x["version"] == "v1"
                   and x["_rows"][-1]["method_id"] == OLD_POTENCY_METHOD),
                  key=lambda x: x["_true_pot_old"])
    picks = [pool[int(round(q * (len(pool) - 1)))] for q in np.linspace(0.08, 0.92, 12)]
    first_old = _D("2024-01-08")
    bridging = []
    for i, lot in enumerate(sorted(picks, key=lambda x: x["lot_id"])):
        old_day = _day(first_old, i * 2.8)  # the last three after M-POT-01's retirement
        new_day = _day(old_day, rng.integers(0, 4))
        t = lot["_true_pot_old"]
        bridging.append(dict(bridging_study_id=BRIDGING_STUDY, sample_id=lot["lot_id"], method_id=OLD_POTENCY_METHOD,
                             value=float(round(t + rng.normal(0, ASSAY_SD), 1)), test_date=old_day))
        bridging.append(dict(bridging_study_id=BRIDGING_STUDY, sample_id=lot["lot_id"], method_id=NEW_POTENCY_METHOD,
                             value=float(round(_new_scale(t) + rng.normal(0, ASSAY_SD), 1)), test_date=new_day))

    comparability = [dict(comparability_study_id=COMPARABILITY_STUDY, lot_id=x["lot_id"])
                     for x in by_role("dose_cs", "engineering_cs")]

    tables = {
        "program": [dict(program_id=PROGRAM_ID, product_name=PRODUCT_NAME, modality="autologous_cell",
                         approval_basis="phase2", commercial_process_version="v2",
                         submission_target=_D("2026-06-30"))],
        "studies": [
            dict(study_id=PHASE1_STUDY, phase="1", pivotal=False, enrollment_start=PHASE1_START,
                 enrollment_end=PHASE1_END),
            dict(study_id=PIVOTAL_STUDY, phase="2", pivotal=True, enrollment_start=PIVOTAL_START,
                 enrollment_end=None),
        ],
        "process_versions": [
            dict(process_version="v1", effective_date=_D("2021-09-01"),
                 description="Lentiviral transduction at MOI 5, static-bag expansion, 10-day process"),
            dict(process_version="v2", effective_date=V2_EFFECTIVE,
                 description="Transduction at MOI 3 with a poloxamer transduction enhancer; 9-day process"),
        ],
        "process_changes": [
            dict(change_id=PROCESS_CHANGE, change_date=V2_EFFECTIVE, from_version="v1", to_version="v2",
                 unit_operation="transduction",
                 description="Vector MOI reduced from 5 to 3 with a poloxamer transduction enhancer; "
                             "culture shortened from 10 to 9 days",
                 risk="medium", comparability_study_id=COMPARABILITY_STUDY,
                 rationale="Vector supply for commercial scale; more consistent transduction of "
                           "low-quality apheresis material",
                 approved_by="QA (J. Moreno)", approved_date=_D("2023-08-07")),
        ],
        "attributes": [
            dict(attribute_id="POT", name="Potency (cytotoxicity against CD19+ targets)",
                 unit="% specific lysis", category="potency", cqa=True, limit_basis="clinical"),
            dict(attribute_id="VIA", name="Viability", unit="%", category="viability", cqa=True,
                 limit_basis="clinical"),
            dict(attribute_id="CAR", name="Identity: CAR+ T cells", unit="% of CD3+", category="identity",
                 cqa=True, limit_basis="clinical"),
            dict(attribute_id="VCN", name="Vector copy number", unit="copies/cell", category="safety",
                 cqa=True, limit_basis="safety"),
            dict(attribute_id="ENDO", name="Endotoxin", unit="EU/mL", category="safety", cqa=True,
                 limit_basis="safety"),
        ],
        "methods": [
            dict(method_id=OLD_POTENCY_METHOD, attribute_id="POT",
                 name="Cr-51 release cytotoxicity, E:T 10:1 (Raji targets)", validation_status="qualified",
                 validated_date=None, in_use_from=_D("2021-09-01"), in_use_to=OLD_POTENCY_LAST_DAY),
            dict(method_id=NEW_POTENCY_METHOD, attribute_id="POT",
                 name="Flow-cytometric killing assay, E:T 10:1 (Nalm-6 targets)", validation_status="validated",
                 validated_date=_D("2024-01-12"), in_use_from=_D("2024-01-08"), in_use_to=None),
            dict(method_id="M-VIA-01", attribute_id="VIA", name="Automated cell count, AO/PI",
                 validation_status="validated", validated_date=_D("2022-10-14"), in_use_from=_D("2021-09-01"),
                 in_use_to=None),
            dict(method_id="M-CAR-01", attribute_id="CAR", name="Flow cytometry, anti-idiotype CAR detection",
                 validation_status="validated", validated_date=_D("2022-12-02"), in_use_from=_D("2021-09-01"),
                 in_use_to=None),
            dict(method_id="M-VCN-01", attribute_id="VCN", name="ddPCR (WPRE / RPP30)",
                 validation_status="validated", validated_date=_D("2022-09-30"), in_use_from=_D("2021-09-01"),
                 in_use_to=None),
            dict(method_id="M-ENDO-01", attribute_id="ENDO", name="Kinetic chromogenic LAL (USP <85>)",
                 validation_status="validated", validated_date=_D("2021-08-20"), in_use_from=_D("2021-09-01"),
                 in_use_to=None),
        ],
        "method_changes": [
            dict(change_id=METHOD_CHANGE, change_date=_D("2024-02-01"), attribute_id="POT",
                 from_method=OLD_POTENCY_METHOD, to_method=NEW_POTENCY_METHOD,
                 description="Potency release assay moved from Cr-51 release to a flow-cytometric killing assay",
                 bridging_study_id=BRIDGING_STUDY,
                 rationale="Radioisotope-free, validated method with better precision for commercial release",
                 approved_by="QA (J. Moreno)", approved_date=_D("2024-01-05")),
        ],
        "lots": lot_rows,
        "results": results,
        "administrations": admins,
        "specifications": [
            dict(attribute_id="POT", kind="release", method_id=OLD_POTENCY_METHOD, lower=20.0, upper=None,
                 effective_from=_D("2021-09-01"), effective_to=OLD_POTENCY_LAST_DAY),
            dict(attribute_id="POT", kind="release", method_id=NEW_POTENCY_METHOD, lower=20.0, upper=None,
                 effective_from=_D("2024-02-01"), effective_to=None),
            dict(attribute_id="VIA", kind="release", method_id="M-VIA-01", lower=70.0, upper=None,
                 effective_from=_D("2021-09-01"), effective_to=None),
            dict(attribute_id="CAR", kind="release", method_id="M-CAR-01", lower=10.0, upper=None,
                 effective_from=_D("2021-09-01"), effective_to=_D("2023-06-04")),
            dict(attribute_id="CAR", kind="release", method_id="M-CAR-01", lower=15.0, upper=None,
                 effective_from=PIVOTAL_START, effective_to=None),
            dict(attribute_id="VCN", kind="release", method_id="M-VCN-01", lower=None, upper=5.0,
                 effective_from=_D("2021-09-01"), effective_to=None),
            dict(attribute_id="ENDO", kind="release", method_id="M-ENDO-01", lower=None, upper=0.5,
                 effective_from=_D("2021-09-01"), effective_to=None),
            dict(attribute_id="POT", kind="proposed_commercial", method_id=NEW_POTENCY_METHOD, lower=20.0,
                 upper=90.0, effective_from=_D("2024-12-16"), effective_to=None),
            dict(attribute_id="VIA", kind="proposed_commercial", method_id="M-VIA-01", lower=70.0, upper=None,
                 effective_from=_D("2024-12-16"), effective_to=None),
            dict(attribute_id="CAR", kind="proposed_commercial", method_id="M-CAR-01", lower=20.0, upper=None,
                 effective_from=_D("2024-12-16"), effective_to=None),
            dict(attribute_id="VCN", kind="proposed_commercial", method_id="M-VCN-01", lower=None, upper=5.0,
                 effective_from=_D("2024-12-16"), effective_to=None),
            dict(attribute_id="ENDO", kind="proposed_commercial", method_id="M-ENDO-01", lower=None, upper=0.5,
                 effective_from=_D("2024-12-16"), effective_to=None),
        ],
        "bridging_studies": [
            dict(bridging_study_id=BRIDGING_STUDY, attribute_id="POT", old_method=OLD_POTENCY_METHOD,
                 new_method=NEW_POTENCY_METHOD, protocol_date=_D("2024-01-22"), acceptance_max_bias=None,
                 acceptance_max_bias_pct=15.0, error_ratio=1.0),
        ],
        "bridging_results": bridging,
        "comparability_studies": [
            dict(comparability_study_id=COMPARABILITY_STUDY, from_version="v1", to_version="v2",
                 protocol_date=_D("2023-07-20"), completed_date=_D("2023-09-29")),
        ],
        "comparability_lots": comparability,
        "outcomes": outcomes,
    }
    return {t.name: _frame(t.name, tables[t.name]) for t in TABLES}


def write_demo_dossier(out_dir: str | Path) -> tuple[Path, Path]:
    """Write the demo dossier as ``out_dir/demo-dossier.xlsx`` and ``out_dir/demo-dossier/``."""
    out_dir = Path(out_dir)
    tables = demo_tables()
    xlsx = write_workbook(tables, out_dir / "demo-dossier.xlsx")
    folder = write_csv_folder(tables, out_dir / "demo-dossier")
    return xlsx, folder
