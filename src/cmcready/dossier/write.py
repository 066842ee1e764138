"""Writing dossier tables to the two containers (used by the demo and the tests)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Mapping

import pandas as pd


def _cell_text(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return ""
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat()  # strftime's %Y does not pad years before 1000
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return str(v)


def write_csv_folder(tables: Mapping[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write one ``TABLE.csv`` per table (UTF-8, header row)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        out = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
        out = out.astype(object).map(_cell_text) if len(out) else out
        out.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8")
    return folder


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one sheet per table, dates as real date cells, numbers as numeric cells."""
    import openpyxl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook(write_only=True)
    for name, frame in tables.items():
        ws = wb.create_sheet(name)
        cols = [c for c in frame.columns if not c.startswith("_")]
        ws.append(cols)
        for rec in frame[cols].itertuples(index=False):
            ws.append([_cell_value(v) for v in rec])
    wb.save(path)
    _pin_timestamps(path)
    return path


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _pin_timestamps(path: Path) -> None:
    """Make the workbook byte-for-byte reproducible: openpyxl stamps the save time into
    docProps/core.xml and every zip entry, so the same tables would hash differently."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, data)


def _cell_value(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):
        return v.item()
    return v
