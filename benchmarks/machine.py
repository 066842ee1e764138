"""One line describing the machine and the library versions, for benchmark output."""

from __future__ import annotations

import os
import platform


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    import matplotlib
    import numpy
    import pandas
    import scipy

    return (f"{os.cpu_count()} CPUs ({_cpu_model()}); Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"pandas {pandas.__version__}, scipy {scipy.__version__}, matplotlib {matplotlib.__version__}")
