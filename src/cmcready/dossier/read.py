"""Reading the containers (an .xlsx workbook or a folder of CSVs) into raw tables.

Raw tables keep every cell as the user wrote it (text from CSV; text, numbers,
booleans or datetimes from a workbook), with headers normalised and the row
numbers the user sees. Typing happens in :mod:`cmcready.dossier.coerce`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .issues import DossierError, Issue
from .schema import TABLES_BY_NAME


@dataclass(frozen=True)
class RawTable:
    name: str
    source: str
    frame: pd.DataFrame  # object columns, normalised (lower-case, stripped) names
    rows: np.ndarray  # the row number the user sees for each frame row (header = 1)


def normalise_header(name: object) -> str:
    return str(name if name is not None else "").strip().lower()


def read_container(path: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    """Read a workbook or CSV folder; return raw tables, errors and warnings."""
    if not path.exists():
        raise DossierError([], cause=f"no such file or folder: {path}")
    if path.is_dir():
        return _read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    if path.suffix.lower() == ".csv":
        raise DossierError(
            [], cause=f"{path} is a single CSV file; give the folder that holds one CSV per table"
        )
    raise DossierError(
        [], cause=f"{path} is neither an .xlsx workbook nor a folder of CSV files"
    )


def _table_name(stem: str) -> str:
    return stem.strip().lower()


def _frame_from_rows(
    name: str, source: str, header: list, body: list[list] | pd.DataFrame, first_row: int, errors: list[Issue]
) -> RawTable | None:
    names = [normalise_header(h) for h in header]
    seen: dict[str, int] = {}
    keep: list[int] = []
    for i, n in enumerate(names):
        if n == "":
            continue
        if n in seen:
            errors.append(
                Issue("duplicate_column", name, 1, n, header[i],
                      f"column '{n}' appears twice in the header (columns {seen[n] + 1} and {i + 1})")
            )
            continue
        seen[n] = i
        keep.append(i)
    if isinstance(body, pd.DataFrame):
        frame = body.iloc[:, [k for k in keep if k < body.shape[1]]]
        frame.columns = [names[k] for k in keep if k < body.shape[1]]
        missing_cols = [names[k] for k in keep if k >= body.shape[1]]
        for m in missing_cols:
            frame[m] = None
    else:
        width = len(header)
        padded = [list(r) + [None] * (width - len(r)) for r in body]
        frame = pd.DataFrame([[r[k] for k in keep] for r in padded], columns=[names[k] for k in keep], dtype=object)
    frame = frame.astype(object)
    rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
    # Drop rows that are blank in every column, keeping the numbers of the others.
    if len(frame):
        blank = np.column_stack([blank_mask(frame[c]) for c in frame.columns]) if frame.shape[1] else np.ones((len(frame), 1), bool)
        nonblank = ~blank.all(axis=1)
        frame = frame.loc[nonblank].reset_index(drop=True)
        rows = rows[nonblank]
    return RawTable(name, source, frame, rows)


def blank_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is empty: missing, or text of only spaces (vectorised)."""
    mask = s.isna().to_numpy()
    try:
        stripped = s.str.strip()
    except AttributeError:  # no text in the column at all
        return mask
    return mask | stripped.eq("").fillna(False).to_numpy(dtype=bool)


def _is_blank_text(v: object) -> bool:
    return isinstance(v, str) and v.strip() == ""


def _read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    errors: list[Issue] = []
    warnings: list[Issue] = []
    tables: dict[str, RawTable] = {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise DossierError([], cause=f"{folder} holds no .csv files; expected one CSV per table")
    for f in files:
        name = _table_name(f.stem)
        if name not in TABLES_BY_NAME:
            warnings.append(Issue("unknown_table", name, None, None, f.name,
                                  f"file {f.name} is not a table of the dossier contract and is ignored", "warning"))
            continue
        if name in tables:
            errors.append(Issue("duplicate_table", name, None, None, f.name,
                                f"table '{name}' is given by more than one file"))
            continue
        try:
            raw = f.read_bytes()
        except OSError as exc:
            errors.append(Issue("unreadable", name, None, None, f.name, f"cannot read {f.name}: {exc.strerror or exc}"))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            errors.append(Issue("encoding", name, line, None, f"0x{raw[exc.start]:02x}",
                                f"{f.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8 CSV"))
            continue
        if "\x00" in text:
            errors.append(Issue("encoding", name, None, None, f.name,
                                f"{f.name} contains NUL bytes; it is not a UTF-8 CSV (UTF-16?)"))
            continue
        if text.strip() == "":
            errors.append(Issue("empty_table", name, None, None, f.name, f"{f.name} is empty: it has no header row"))
            continue
        try:
            df = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False,
                             na_filter=False, skip_blank_lines=False, engine="c")
        except (pd.errors.ParserError, ValueError) as exc:
            errors.append(Issue("csv_syntax", name, None, None, f.name, f"{f.name} is not a well-formed CSV: {exc}"))
            continue
        header = list(df.iloc[0])
        body = df.iloc[1:].reset_index(drop=True)
        body = body.where(body.notna(), None)
        t = _frame_from_rows(name, f.name, header, body, 2, errors)
        if t is not None:
            tables[name] = t
    return tables, errors, warnings


def _read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    errors: list[Issue] = []
    warnings: list[Issue] = []
    tables: dict[str, RawTable] = {}
    if not zipfile.is_zipfile(path):
        head = path.read_bytes()[:8] if path.is_file() else b""
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            cause = f"{path.name} is an encrypted (password-protected) or legacy .xls workbook; save it unprotected as .xlsx"
        else:
            cause = f"{path.name} is not an .xlsx workbook (not a valid Office Open XML zip file)"
        raise DossierError([], cause=cause)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise DossierError([], cause=f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # openpyxl raises assorted errors on corrupt parts
        raise DossierError([], cause=f"{path.name} is a corrupt .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        for ws in wb.worksheets:
            name = _table_name(ws.title)
            if name not in TABLES_BY_NAME:
                warnings.append(Issue("unknown_table", name, None, None, ws.title,
                                      f"sheet '{ws.title}' is not a table of the dossier contract and is ignored", "warning"))
                continue
            if name in tables:
                errors.append(Issue("duplicate_table", name, None, None, ws.title,
                                    f"table '{name}' is given by more than one sheet"))
                continue
            try:
                it = ws.iter_rows(values_only=True)
                header = next(it, None)
                body = [list(r) for r in it]
            except Exception as exc:
                errors.append(Issue("unreadable", name, None, None, ws.title,
                                    f"sheet '{ws.title}' cannot be read ({type(exc).__name__}: {exc})"))
                continue
            if header is None or all(h is None or _is_blank_text(h) for h in header):
                errors.append(Issue("empty_table", name, None, None, ws.title,
                                    f"sheet '{ws.title}' is empty: it has no header row"))
                continue
            t = _frame_from_rows(name, ws.title, list(header), body, 2, errors)
            if t is not None:
                tables[name] = t
    finally:
        wb.close()
    return tables, errors, warnings
