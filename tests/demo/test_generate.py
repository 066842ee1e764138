"""The bundled demo dossier: valid in both containers, deterministic, and telling its story."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cmcready.demo.generate import DEMO_AS_OF, demo_tables, write_demo_dossier
from cmcready.dossier.load import check_dossier, load_dossier
from cmcready.dossier.schema import TABLES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    return write_demo_dossier(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def tables():
    return demo_tables()


@pytest.fixture(scope="module")
def dossier(written):
    return load_dossier(written[0])


def test_paths(written):
    xlsx, folder = written
    assert xlsx.name == "demo-dossier.xlsx" and xlsx.is_file()
    assert folder.name == "demo-dossier" and folder.is_dir()
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(t.name for t in TABLES)


@pytest.mark.parametrize("which", [0, 1], ids=["xlsx", "csv"])
def test_containers_are_valid_without_warnings(written, which):
    report = check_dossier(written[which])
    assert report.valid, [e.message for e in report.errors]
    assert report.warnings == []


def test_both_containers_load_equal(written):
    a, b = load_dossier(written[0]), load_dossier(written[1])
    assert a == b


def test_frames_follow_the_contract(tables):
    assert list(tables) == [t.name for t in TABLES]
    for t in TABLES:
        assert list(tables[t.name].columns) == list(t.column_names), t.name
        assert len(tables[t.name]) > 0, t.name


def test_deterministic():
    a, b = demo_tables(), demo_tables(seed=7)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    other = demo_tables(seed=8)
    assert not other["results"].equals(a["results"])


def test_demo_as_of_is_inside_the_story(tables):
    day = pd.Timestamp(DEMO_AS_OF)
    assert isinstance(DEMO_AS_OF, dt.date)
    studies = tables["studies"].set_index("study_id")
    pivotal = studies.loc[studies["pivotal"]]
    assert len(pivotal) == 1 and pivotal["enrollment_start"].iloc[0] < day
    assert pivotal["enrollment_end"].isna().all()  # still enrolling
    for name, frame in tables.items():
        for col in frame.columns:
            if col != "expiry_date" and pd.api.types.is_datetime64_any_dtype(frame[col]) and name != "program":
                assert (frame[col].dropna() <= day).all(), (name, col)


def test_program(dossier):
    p = dossier.program
    assert p.modality == "autologous_cell" and p.patient_specific
    assert p.approval_basis == "phase2" and p.commercial_process_version == "v2"
    assert p.submission_target is not None and p.submission_target > DEMO_AS_OF


def test_story_lots_and_attributes(dossier):
    lots = dossier.lots
    assert 90 <= len(lots) <= 115
    attrs = dossier.attributes.set_index("attribute_id")
    assert len(attrs) == 5
    assert set(attrs["category"]) >= {"potency", "viability", "identity", "safety"}
    assert set(attrs.index[attrs["limit_basis"] == "safety"]) == {"VCN", "ENDO"}
    failed = lots.loc[lots["status"] == "failed_manufacture"]
    assert len(failed) >= 5 and failed["failure_reason"].notna().all()
    assert (lots["status"] == "rejected").sum() >= 2
    v2 = lots.loc[(lots["process_version"] == "v2") & (lots["purpose"] == "clinical") & (lots["status"] != "in_process")]
    rate = (v2["status"] == "released").mean()
    assert 0.85 <= rate <= 0.90


def test_story_assay_change_with_weak_bridging(dossier):
    mc = dossier.method_changes.iloc[0]
    assert (mc["attribute_id"], mc["from_method"], mc["to_method"]) == ("POT", "M-POT-01", "M-POT-02")
    bs = dossier.bridging_studies.set_index("bridging_study_id").loc[mc["bridging_study_id"]]
    br = dossier.bridging_results
    pairs = br.groupby("sample_id")["method_id"].nunique()
    assert 3 <= (pairs == 2).sum() < 20
    first_test = br["test_date"].min()
    assert bs["protocol_date"] > first_test  # criterion set after the first paired test
    old_to = dossier.methods_by_id.loc["M-POT-01", "in_use_to"]
    assert (br.loc[br["method_id"] == "M-POT-01", "test_date"] > old_to).any()
    proposed = dossier.specifications_in_force(DEMO_AS_OF, "proposed_commercial").set_index("attribute_id")
    assert proposed.loc["POT", "method_id"] == "M-POT-02"
    # Administered lots were released with both potency methods.
    res = dossier.reportable_results
    administered = res.loc[res["lot_id"].isin(dossier.administered_lot_ids) & (res["attribute_id"] == "POT")]
    assert set(administered["method_id"]) == {"M-POT-01", "M-POT-02"}


def test_story_process_change_and_pivotal_lots(dossier):
    pc = dossier.process_changes.iloc[0]
    assert (pc["from_version"], pc["to_version"]) == ("v1", "v2") and pc["risk"] in ("medium", "high")
    start = dossier.studies.loc[dossier.studies["pivotal"], "enrollment_start"].min()
    assert pc["change_date"] >= start  # inside the pivotal window
    lots = dossier.lots_by_id
    versions = lots.loc[sorted(dossier.pivotal_lot_ids), "process_version"].value_counts()
    assert set(versions.index) == {"v1", "v2"} and versions["v2"] > versions["v1"]
    arms = dossier.comparability_lots.merge(dossier.lots, on="lot_id")["process_version"].value_counts()
    assert arms["v1"] >= 3 and arms["v2"] >= 3


def test_story_censored_endotoxin(dossier):
    endo = dossier.results.loc[dossier.results["attribute_id"] == "ENDO"]
    censored = endo["qualifier"] == "<"
    assert censored.mean() > 0.5
    assert (endo.loc[censored, "value"] == 0.05).all()
    assert (endo["value"] < 0.5).all()


def test_story_viability_spec_wider_than_clinic(dossier):
    proposed = dossier.specifications_in_force(DEMO_AS_OF, "proposed_commercial").set_index("attribute_id")
    res = dossier.reportable_results
    via = res.loc[(res["attribute_id"] == "VIA") & res["lot_id"].isin(dossier.administered_lot_ids)]
    assert proposed.loc["VIA", "lower"] == 70
    assert via["value"].min() >= 80 > proposed.loc["VIA", "lower"]


def test_story_available_lots_and_outcomes(dossier):
    lots = dossier.lots
    day = pd.Timestamp(DEMO_AS_OF)
    available = lots.loc[(lots["status"] == "released") & ~lots["lot_id"].isin(dossier.administered_lot_ids)
                         & (lots["expiry_date"] >= day)]
    assert len(available) >= 3
    # Autologous: one patient per lot, each dosed after release.
    adm = dossier.administrations.merge(lots, on="lot_id")
    assert adm["lot_id"].is_unique and adm["patient_id"].is_unique
    assert (adm["administration_date"] >= adm["release_date"]).all()
    out = dossier.outcomes
    assert set(out["endpoint"]) == {"ORR_month3"}
    assert out["patient_id"].isin(adm["patient_id"]).all()
    assert 0.5 < out["responder"].astype(bool).mean() < 0.9
