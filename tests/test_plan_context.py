"""The plan computed on the audit's context equals the plan computed on its own."""

from __future__ import annotations

from cmcready.audit import run_audit
from cmcready.plan import make_plan
from tests.builders import AS_OF, base_tables, load


def test_plan_on_the_audit_context_is_the_same_plan(tmp_path):
    t = base_tables()
    t["administrations"] = t["administrations"].iloc[:18]  # four released lots stay available
    dossier = load(t, tmp_path)
    result = run_audit(dossier, as_of=AS_OF)
    alone = make_plan(dossier, as_of=AS_OF)
    shared = make_plan(dossier, as_of=AS_OF, context=result.context)
    assert shared == alone
    assert alone["recommended_lots"]  # the fixture leaves lots that extend the clinical range


def test_a_context_for_another_date_is_not_reused(tmp_path):
    import datetime as dt

    dossier = load(base_tables(), tmp_path)
    result = run_audit(dossier, as_of=AS_OF)
    later = AS_OF + dt.timedelta(days=1000)
    assert make_plan(dossier, as_of=later, context=result.context) == make_plan(dossier, as_of=later)
    assert make_plan(dossier, as_of=later, context=result.context)["as_of"] == later.isoformat()
