"""Method lineage per attribute, and change rows lacking control."""

from __future__ import annotations

import pandas as pd

from cmcready.analysis.lineage import method_lineage, older_method, uncontrolled_change_rows
from cmcready.context import AuditContext
from tests.builders import AS_OF, load
from tests.rules.am_builders import change_row, method_change_tables, method_row


def ctx_for(tables, tmp_path) -> AuditContext:
    return AuditContext(load(tables, tmp_path), as_of=AS_OF)


def test_lineage_orders_used_methods_by_in_use_from(tmp_path):
    t = method_change_tables()
    # an unused method M-0 is left out of the lineage
    t["methods"] = pd.concat([t["methods"], pd.DataFrame([method_row("M-0", "2021-01-01")])], ignore_index=True)
    lin = method_lineage(ctx_for(t, tmp_path), "POT")
    assert list(lin["method_id"]) == ["M-OLD", "M-NEW"]
    assert list(lin["previous_method"]) == [None, "M-OLD"]
    assert list(lin["n_results"]) == [11, 11]
    assert list(lin["change_ids"]) == [(), ("MC-1",)]
    assert lin.loc[1, "first_result_date"] == pd.Timestamp("2023-06-10")


def test_lineage_of_an_attribute_without_results_is_empty(tmp_path):
    lin = method_lineage(ctx_for(method_change_tables(), tmp_path), "NONE")
    assert lin.empty


def test_uncontrolled_rows_list_what_is_missing(tmp_path):
    t = method_change_tables()
    t["method_changes"] = pd.DataFrame([change_row(rationale=None, approved_date=None)])
    rows = uncontrolled_change_rows(ctx_for(t, tmp_path))
    assert list(rows["change_id"]) == ["MC-1"]
    assert rows.iloc[0]["missing"] == ["rationale", "approved_date"]


def test_older_method_is_the_one_introduced_first(tmp_path):
    ctx = ctx_for(method_change_tables(), tmp_path)
    assert older_method(ctx, "M-NEW", "M-OLD") == "M-OLD"
    assert older_method(ctx, "M-OLD", "M-NEW") == "M-OLD"
