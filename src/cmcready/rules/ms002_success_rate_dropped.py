from __future__ import annotations

from typing import Iterator

from ..analysis.manufacturing import COUNTED_PURPOSES, manufacturing_outcomes
from ..analysis.timeline import commercial_process, previous_process
from ..context import AuditContext
from ..stats.proportions import fisher_one_sided_lower
from . import references as ref
from .base import Finding, Threshold, rule


@rule(code="MS002", title="Commercial process succeeds less often than the previous version",
      family="manufacturing", severity="major",
      thresholds=[Threshold("alpha", 0.05, "significance level of the one-sided Fisher exact test", "fraction")])
def check(ctx: AuditContext) -> Iterator[Finding]:
    """
    What it checks
    --------------
    Compares the manufacturing success rate (released / (released + failed_manufacture +
    rejected), lots of purpose `clinical` or `commercial`) of the commercial process with
    that of the previous version: the `from_version` of the change leading to the
    commercial process, else the version with the next-earlier `effective_date`. It fires
    when the commercial rate is lower and a one-sided Fisher exact test that its success
    odds are lower gives p < `alpha`. Not evaluated when either version has no attempt.

    Why it matters
    --------------
    A process change that makes manufacture fail more often has an adverse effect that the
    change assessment must explain, and it threatens commercial supply (21 CFR
    601.12(a)(2); FDA 2023 draft guidance on manufacturing changes and comparability for
    CGT products). Failure rates of approved autologous CAR-T products, under 1% to about
    7%, give the context.

    How to fix
    ----------
    Find why the new version fails more often (compare failure reasons by version), correct
    it, and show the restored success rate on further lots.

    References
    ----------
    - 21 CFR 601.12(a)(2).
    - FDA draft guidance, Manufacturing Changes and Comparability for Human Cellular and
      Gene Therapy Products (July 2023).
    - Context figure: manufacturing failure of approved autologous CAR-T products in their
      pivotal trials.
    """
    cp, prev = commercial_process(ctx), previous_process(ctx)
    outcomes = manufacturing_outcomes(ctx)
    if prev is None or prev == cp or cp not in outcomes.index or prev not in outcomes.index:
        return
    a, b = outcomes.loc[cp], outcomes.loc[prev]
    if a["attempted"] == 0 or b["attempted"] == 0:
        return
    rate_cp = a["released"] / a["attempted"]
    rate_prev = b["released"] / b["attempted"]
    test = fisher_one_sided_lower(successes_a=int(a["released"]), trials_a=int(a["attempted"]),
                                  successes_b=int(b["released"]), trials_b=int(b["attempted"]))
    alpha = float(ctx.threshold("MS002", "alpha"))
    if not (rate_cp < rate_prev and test.p_value < alpha):
        return
    yield Finding(
        code="MS002",
        severity="major",
        title=(f"Commercial process {cp} succeeds less often than {prev} "
               f"({rate_cp:.1%} vs {rate_prev:.1%}, one-sided Fisher p = {test.p_value:.3g})"),
        subjects={"process_version": cp},
        evidence={
            "commercial_process": cp,
            "previous_process": prev,
            "commercial_released": int(a["released"]),
            "commercial_attempted": int(a["attempted"]),
            "commercial_success_rate": float(rate_cp),
            "previous_released": int(b["released"]),
            "previous_attempted": int(b["attempted"]),
            "previous_success_rate": float(rate_prev),
            "purposes": list(COUNTED_PURPOSES),
            "odds_ratio": test.odds_ratio,
            "p_value": test.p_value,
            "test": "one-sided Fisher exact (success odds of the commercial process lower)",
            "alpha": alpha,
        },
        why=(f"{cp} released {int(a['released'])} of {int(a['attempted'])} attempted lots against "
             f"{int(b['released'])} of {int(b['attempted'])} for {prev}: the change made manufacture fail more often, "
             "an adverse effect the change assessment must explain and a threat to supply (21 CFR 601.12(a)(2); "
             "FDA 2023 draft CGT comparability guidance)."),
        references=(ref.CFR_601_12, ref.FDA_CGT_COMPARABILITY, ref.CART_FAILURE_CONTEXT),
        action=(f"Compare the failure reasons of {cp} and {prev} lots, find what in the change from {prev} to {cp} "
                f"lowers the success rate, correct it, and show the restored rate on further {cp} lots."),
        due_date=None,
    )
