"""Audit cost curve: the bare pandas parse (the floor) against `cmcready audit` end to end.

    python benchmarks/bench_audit.py --lots 1000 10000 100000 [--repeat 3]

For each size it generates a dossier (benchmarks/generate_dossier.py), then in fresh
subprocesses times (a) `pandas.read_csv` of every CSV of the dossier and (b) the
installed `cmcready audit DOSSIER --json FILE --html FILE` (imports included), and prints
b, a, b/a, the peak memory (max RSS) of (b) and the HTML size. With ``--repeat N`` each
is run N times and the fastest run is kept (a shared machine's noise only ever adds
time). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PARSE = r"""
import glob, json, resource, sys, time
import pandas as pd
t = time.perf_counter()
for f in sorted(glob.glob(sys.argv[1] + "/*.csv")):
    pd.read_csv(f)
print(json.dumps({"s": time.perf_counter() - t}))
"""

AUDIT = r"""
import json, resource, sys, time
t = time.perf_counter()
from cmcready.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({"s": time.perf_counter() - t,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"""


def _child(code: str, *args: str) -> dict:
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    line = (p.stderr if "cmcready" in code else p.stdout).strip().splitlines()[-1]
    return json.loads(line)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--as-of", default="2025-06-30")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is kept")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from generate_dossier import generate, write_fast_csv
    from machine import describe

    # Byte-compile the package as pip does when it installs it: an editable install under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run.
    import compileall

    import cmcready
    compileall.compile_dir(Path(cmcready.__file__).parent, quiet=1)
    print(describe())
    print(f"{'lots':>8} {'results':>8} {'parse s':>8} {'audit s':>8} {'ratio':>6} {'peak MB':>8} {'HTML MB':>8}")
    for n in args.lots:
        with tempfile.TemporaryDirectory() as tmp:
            tables = generate(n)
            folder = write_fast_csv(tables, Path(tmp) / "dossier")
            parse = min((_child(PARSE, str(folder)) for _ in range(args.repeat)), key=lambda m: m["s"])
            html, js = Path(tmp) / "r.html", Path(tmp) / "a.json"
            audit = min((_child(AUDIT, "audit", str(folder), "--as-of", args.as_of, "--json", str(js),
                                "--html", str(html), "--fail-on", "never") for _ in range(args.repeat)),
                        key=lambda m: m["s"])
            size = html.stat().st_size / 1e6 if html.exists() else float("nan")
            print(f"{n:>8} {len(tables['results']):>8} {parse['s']:>8.2f} {audit['s']:>8.2f} "
                  f"{audit['s'] / parse['s']:>6.1f} {audit['max_rss_mb']:>8.0f} {size:>8.2f}")


if __name__ == "__main__":
    main()
