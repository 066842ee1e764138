"""The AM rules' catalog entries: documented sections and the catalog's default thresholds."""

from __future__ import annotations

import pytest

from cmcready.config import defaults
from cmcready.rules import all_rules
from cmcready.rules.base import SECTION_NAMES

AM_CODES = [f"AM00{i}" for i in range(1, 8)]


@pytest.mark.parametrize("code", AM_CODES)
def test_rule_is_registered_with_every_doc_section(code):
    r = all_rules()[code]
    assert r.family == "assays"
    sections = r.sections()
    assert list(sections) == list(SECTION_NAMES)
    assert all(sections.values())


def test_default_thresholds_are_the_catalogs():
    d = defaults()
    assert d["AM002"] == {"max_days": 30}
    assert d["AM003"] == {"min_pairs": 20, "min_span": 0.80}
    assert all(d[c] == {} for c in ("AM001", "AM004", "AM005", "AM006", "AM007"))
