"""Comparability studies: arms, per-CQA lot values, quality ranges and TOST equivalence.

The fixture (tests/rules/process_builders.comparability_study): CS-1 compares v1 and v2;
pre-change lots L-014, L-015, L-016 and post-change lots L-017, L-018, L-019 have potency
98, 100, 102 and 95, 100, 104 on M-POT, the spec method.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cmcready.analysis.comparability import comparability_assessments
from cmcready.context import AuditContext
from tests.builders import AS_OF, D, load
from tests.rules.process_builders import FIRST_POST_TEST, POST, PRE, comparability_study, with_viability

PRE_VALUES, POST_VALUES = np.array([98.0, 100.0, 102.0]), np.array([95.0, 100.0, 104.0])


def assess(tables, tmp_path):
    return comparability_assessments(AuditContext(load(tables, tmp_path), as_of=AS_OF))


def test_arms_are_the_listed_lots_of_each_version(tmp_path):
    [(sid, a)] = assess(comparability_study(), tmp_path).items()
    assert sid == "CS-1"
    assert (a.from_version, a.to_version) == ("v1", "v2")
    assert (list(a.pre_lot_ids), list(a.post_lot_ids), a.other_lot_ids) == (PRE, POST, ())
    assert a.first_post_test_date == FIRST_POST_TEST
    assert a.protocol_date == D("2023-01-01")
    assert (a.protocol_missing, a.protocol_late) == (False, False)


def test_quality_range_of_the_pre_change_lots(tmp_path):
    [a] = assess(comparability_study(post_values=(95, 100, 107)), tmp_path).values()
    [pot] = a.cqas
    # mean 100; SD = sqrt(((−2)² + 0² + 2²) / 2) = 2; k = 3 → [94, 106]
    assert (pot.attribute_id, pot.method_id, pot.k) == ("POT", "M-POT", 3.0)
    assert (pot.mean, pot.sd) == (pytest.approx(100.0), pytest.approx(2.0))
    assert (pot.lower, pot.upper) == (pytest.approx(94.0), pytest.approx(106.0))
    assert [(v.lot_id, v.value) for v in pot.post] == [("L-017", 95.0), ("L-018", 100.0), ("L-019", 107.0)]
    assert [v.lot_id for v in pot.outside] == ["L-019"]
    assert a.lots_outside == ("L-019",)
    assert pot.not_evaluated is None


def test_tost_equivalence_is_welch_with_a_margin_of_one_and_a_half_pre_change_sd(tmp_path):
    [a] = assess(comparability_study(), tmp_path).values()
    eq = a.cqas[0].equivalence
    # margin = 1.5 · 2 = 3; difference = mean(95, 100, 104) − 100 = 299/3 − 100 = −1/3
    assert eq.margin == pytest.approx(3.0)
    assert eq.mean_difference == pytest.approx(-1 / 3)
    # Independent: each one-sided test as scipy's Welch t-test on the margin-shifted sample.
    p_lower = stats.ttest_ind(POST_VALUES + 3.0, PRE_VALUES, equal_var=False, alternative="greater").pvalue
    p_upper = stats.ttest_ind(POST_VALUES - 3.0, PRE_VALUES, equal_var=False, alternative="less").pvalue
    assert eq.p_value == pytest.approx(max(p_lower, p_upper), rel=1e-9)
    # Welch by hand: s² pre 4, post ((−14/3)² + (1/3)² + (13/3)²)/2 = 61/3; se = sqrt(4/3 + 61/9) = sqrt(73/9)
    se = math.sqrt(73 / 9)
    df = se ** 4 / ((4 / 3) ** 2 / 2 + (61 / 9) ** 2 / 2)
    half = stats.t.ppf(0.95, df) * se
    assert eq.ci == (pytest.approx(-1 / 3 - half), pytest.approx(-1 / 3 + half))
    assert eq.ci_level == pytest.approx(0.90)
    assert eq.method == "welch"
    assert eq.equivalent is False  # three lots per arm cannot show equivalence within 1.5 SD here


def test_fewer_than_two_pre_change_values_is_not_evaluated(tmp_path):
    [a] = assess(comparability_study(pre_values=(98,), pre=PRE[:1]), tmp_path).values()
    [pot] = a.cqas
    assert pot.lower is None and pot.equivalence is None and pot.outside == ()
    assert pot.not_evaluated == "1 pre-change lot(s) with a value on the M-POT scale; a quality range needs at least 2"


def test_only_cqas_are_compared_and_lots_without_a_value_are_left_out(tmp_path):
    # viability measured on two pre-change and two post-change lots only
    tables = with_viability(comparability_study(), {"L-014": 80, "L-015": 84, "L-017": 81, "L-018": 83})
    [a] = assess(tables, tmp_path).values()
    pot, via = a.cqas
    assert via.attribute_id == "VIA"
    assert ([v.lot_id for v in via.pre], [v.lot_id for v in via.post]) == (["L-014", "L-015"], ["L-017", "L-018"])
    # mean 82, SD = sqrt((4 + 4) / 1) = 2.828; range 82 ± 8.485
    assert via.sd == pytest.approx(math.sqrt(8))
    tables = with_viability(comparability_study(), {"L-014": 80}, cqa=False)
    [a] = assess(tables, tmp_path / "noncqa").values()
    assert [c.attribute_id for c in a.cqas] == ["POT"]


def test_censored_values_enter_at_their_recorded_value_and_are_counted(tmp_path):
    tables = comparability_study()
    tables["results"].loc[tables["results"]["lot_id"].isin(["L-014", "L-018"]), "qualifier"] = ">"
    [a] = assess(tables, tmp_path).values()
    pot = a.cqas[0]
    assert pot.n_censored == {"pre": 1, "post": 1}
    assert pot.mean == pytest.approx(100.0)


def test_empty_protocol_date_is_late(tmp_path):
    [a] = assess(comparability_study(protocol_date=None), tmp_path).values()
    assert (a.protocol_missing, a.protocol_late) == (True, True)
