"""Where the time of `cmcready audit --json --html` goes, stage by stage.

    python benchmarks/profile_stages.py /tmp/big [--as-of 2025-06-30] [--profile DIR] [--rules]

Times, in one process, the stages the command runs: load and validate (`check_dossier`),
`run_audit`, the JSON, `make_plan` (on the audit's context, as the command runs it) and
`render_html`, with the cyclic garbage collector paused as in the command. With ``--profile DIR`` each stage
also runs under cProfile and its statistics go to DIR/<stage>.prof (read them with
``python -m pstats``). With ``--rules`` each rule is then timed on a fresh context (a
shared analysis is charged to the first rule that needs it). Figures only: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import datetime as dt
import time
from pathlib import Path


def _stage(name: str, fn, profile_dir: Path | None, times: dict):
    prof = cProfile.Profile() if profile_dir else None
    t = time.perf_counter()
    if prof:
        prof.enable()
    out = fn()
    if prof:
        prof.disable()
        prof.dump_stats(profile_dir / f"{name}.prof")
    times[name] = time.perf_counter() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dossier", type=Path)
    ap.add_argument("--as-of", default="2025-06-30")
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile statistics to this folder")
    ap.add_argument("--rules", action="store_true", help="also time each rule on a fresh context")
    args = ap.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    as_of = dt.date.fromisoformat(args.as_of)

    gc.disable()  # as the command does (cmcready.cli.user_errors)
    t0 = time.perf_counter()
    from cmcready.audit import run_audit
    from cmcready.dossier import check_dossier
    from cmcready.plan import make_plan
    from cmcready.report.html import render_html
    from cmcready.report.json_out import audit_json, dumps
    times: dict[str, float] = {"import": time.perf_counter() - t0}

    report = _stage("load_validate", lambda: check_dossier(args.dossier), args.profile, times)
    dossier = report.dossier
    result = _stage("run_audit", lambda: run_audit(dossier, as_of=as_of), args.profile, times)
    text = _stage("json", lambda: dumps(audit_json(result)), args.profile, times)
    plan = _stage("make_plan", lambda: make_plan(dossier, as_of=as_of, context=result.context), args.profile, times)
    html = _stage("render_html", lambda: render_html(result, plan=plan), args.profile, times)

    for name, s in times.items():
        print(f"{name:<14} {s:7.2f} s")
    total = sum(times.values())
    print(f"{'total':<14} {total:7.2f} s   (JSON {len(text) / 1e6:.2f} MB, HTML {len(html) / 1e6:.2f} MB)")

    if args.rules:
        from cmcready.context import AuditContext
        from cmcready.rules import all_rules

        ctx = AuditContext(dossier=dossier, as_of=as_of)
        rows = []
        for code, rule in all_rules().items():
            t = time.perf_counter()
            list(rule.check(ctx))
            rows.append((time.perf_counter() - t, code))
        print("rules, slowest first (shared analyses charged to the first rule in registry order that needs them):")
        for s, code in sorted(rows, reverse=True):
            print(f"  {code:<6} {s:6.3f} s")


if __name__ == "__main__":
    main()
