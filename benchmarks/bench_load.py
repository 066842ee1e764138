"""Load-and-validate benchmark: time and peak memory of `check_dossier` on generated dossiers.

    python benchmarks/bench_load.py --lots 1000 10000 100000 [--repeat 3]

Each size runs in a fresh subprocess so that peak memory (max RSS) is its own; with
``--repeat N`` the fastest of N runs is kept. Prints a table; asserts nothing (figures,
not tests).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from cmcready.dossier import check_dossier
t1 = time.perf_counter()
r = check_dossier(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_validate_s": t2 - t1, "valid": r.valid,
                  "results": len(r.dossier.results) if r.dossier is not None else None,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is kept")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from generate_dossier import generate, write_fast_csv
    from machine import describe

    print(describe())
    print(f"{'lots':>8} {'results':>8} {'load+validate s':>16} {'peak RSS MB':>12}")
    for n in args.lots:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_fast_csv(generate(n), Path(tmp) / "dossier")
            runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                                              text=True, check=True).stdout) for _ in range(args.repeat)]
            m = min(runs, key=lambda r: r["load_validate_s"])
            print(f"{n:>8} {m['results']:>8} {m['load_validate_s']:>16.2f} {m['max_rss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
