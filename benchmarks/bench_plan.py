"""Cost of the specification-coverage work: the dosing plan and the SP rules' analyses.

    python benchmarks/bench_plan.py --lots 1000 10000 100000

For each size it generates a dossier (benchmarks/generate_dossier.py), loads it once,
then times `make_plan` and the audit's attributes block plus the joint projection (fresh
context each, so nothing is cached between them), and prints the available lots, the
recommended lots and the seconds. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_dossier import generate, write_fast_csv  # noqa: E402

from cmcready.analysis.coverage import attributes_block, joint_projection_details  # noqa: E402
from cmcready.analysis.inventory import available_lots  # noqa: E402
from cmcready.context import AuditContext  # noqa: E402
from cmcready.dossier import load_dossier  # noqa: E402
from cmcready.plan import make_plan  # noqa: E402

AS_OF = dt.date(2024, 10, 1)  # late in the generator's ten years, so some lots are unexpired


def run(n_lots: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dossier = load_dossier(write_fast_csv(generate(n_lots), Path(tmp) / "dossier"))
    t = time.perf_counter()
    plan = make_plan(dossier, as_of=AS_OF)
    t_plan = time.perf_counter() - t
    ctx = AuditContext(dossier=dossier, as_of=AS_OF)
    t = time.perf_counter()
    attributes_block(ctx)
    joint = joint_projection_details(ctx)
    t_cov = time.perf_counter() - t
    n_avail = len(available_lots(AuditContext(dossier=dossier, as_of=AS_OF)))
    print(f"{n_lots:>8} lots  available {n_avail:>7}  recommended {len(plan['recommended_lots']):>4}  "
          f"plan {t_plan:7.2f} s  attributes+joint {t_cov:7.2f} s  joint rate {joint['rate']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lots", type=int, nargs="+", default=[1000, 10000])
    for n in ap.parse_args().lots:
        run(n)


if __name__ == "__main__":
    main()
