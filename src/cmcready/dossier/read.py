"""Reading the containers (an .xlsx workbook or a folder of CSVs) into raw tables.

Raw tables keep every cell as the user wrote it (text from CSV; text, numbers,
booleans or datetimes from a workbook), with headers normalised and the row
numbers the user sees: the spreadsheet row (header = row 1), which for a CSV is
the record number, so a quoted cell spanning several lines is still one row.
Typing happens in :mod:`cmcready.dossier.coerce`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .issues import DossierError, Issue
from .schema import TABLES_BY_NAME


@dataclass(frozen=True)
class CellProblem:
    """A workbook cell whose value cannot be used (an error value, an uncomputed formula).

    It travels in the raw frame like any value, so that typing reports it at its own
    row and column, and only when the column is one the contract reads.
    """

    code: str
    reason: str
    shown: str

    def __str__(self) -> str:
        return self.shown


@dataclass(frozen=True)
class RawTable:
    name: str
    source: str
    frame: pd.DataFrame  # object columns, normalised (lower-case, stripped) names
    rows: np.ndarray  # the row number the user sees for each frame row (header = 1)
    #: rows whose values cannot be trusted (a CSV row with more fields than the header):
    #: reported once, and no other problem is reported on them.
    unreliable_rows: frozenset[int] = field(default_factory=frozenset)
    #: per column of ``frame``: :func:`strip_cells` of it, worked out once when reading
    stripped: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, compare=False)


def normalise_header(name: object) -> str:
    return str(name if name is not None else "").strip().lower()


def read_container(path: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    """Read a workbook or CSV folder; return raw tables, errors and warnings."""
    try:
        if not path.exists():
            raise DossierError([], cause=f"no such file or folder: {path}")
        if path.is_dir():
            return _read_csv_folder(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _read_workbook(path)
    except OSError as exc:
        raise DossierError([], cause=f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".csv":
        raise DossierError(
            [], cause=f"{path} is a single CSV file; give the folder that holds one CSV per table"
        )
    raise DossierError(
        [], cause=f"{path} is neither an .xlsx workbook nor a folder of CSV files"
    )


def _table_name(stem: str) -> str:
    return stem.strip().lower()


def _column_label(i: int) -> str:
    """Column position (0-based) as the user sees it: 'column 10 (J)'."""
    from openpyxl.utils import get_column_letter

    return f"column {i + 1} ({get_column_letter(i + 1)})"


def _frame_from_rows(
    name: str, source: str, header: list, body: pd.DataFrame, rows: np.ndarray,
    errors: list[Issue], warnings_: list[Issue], *, csv_file: bool, unpadded: bool = False,
) -> RawTable:
    """Name the columns of ``body`` by ``header``; drop blank rows, keeping the others' numbers.

    ``body`` has one column per position (it may be wider than the header). A value under
    an empty header cell is a warning (the column is ignored, as an unknown one is); in a
    CSV, a row with more fields than the header is an error (an unquoted comma shifts
    every later value of the row, so none of them can be trusted).
    """
    names = [normalise_header(h) for h in header]
    body = body.reindex(columns=range(max(body.shape[1], len(names))))
    names += [""] * (body.shape[1] - len(names))
    cells = [strip_cells(body.iloc[:, i].to_numpy(dtype=object), unpadded=unpadded) for i in range(body.shape[1])]
    blank = np.column_stack([b for _, b in cells]) if cells else np.ones((len(body), 1), bool)
    nonblank_row = ~blank.all(axis=1)
    unreliable: set[int] = set()
    seen: dict[str, int] = {}
    keep: list[int] = []
    for i, n in enumerate(names):
        if n == "":
            filled = ~blank[:, i]
            if not filled.any():
                continue
            first = int(rows[np.flatnonzero(filled)[0]])
            if csv_file and i >= len(header):
                for pos in np.flatnonzero(filled & ~np.isin(rows, list(unreliable))):
                    width = int(np.flatnonzero(~blank[pos])[-1]) + 1
                    unreliable.add(int(rows[pos]))
                    errors.append(Issue(
                        "extra_fields", name, int(rows[pos]), None, None,
                        f"this row has {width} values but the header has {len(header)} columns; "
                        "a value that contains a comma must be quoted"))
            else:
                warnings_.append(Issue(
                    "unnamed_column", name, 1, None, None,
                    f"{_column_label(i)} has values (first on row {first}) but no header; it is ignored",
                    "warning"))
            continue
        if n in seen:
            errors.append(
                Issue("duplicate_column", name, 1, n, header[i],
                      f"column '{n}' appears twice in the header (columns {seen[n] + 1} and {i + 1})")
            )
            continue
        seen[n] = i
        keep.append(i)
    frame = body.iloc[:, keep].astype(object)
    frame.columns = [names[k] for k in keep]
    kept = slice(None) if nonblank_row.all() else nonblank_row  # a slice copies no column
    frame = frame.loc[kept].reset_index(drop=True)
    stripped = {names[i]: (cells[i][0][kept], cells[i][1][kept]) for i in keep}
    return RawTable(name, source, frame, rows[kept], frozenset(unreliable), stripped)


def strip_cells(values: np.ndarray, *, unpadded: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Each text cell without surrounding spaces (other cells as they are), and where cells
    are blank: missing, or text of only spaces.

    ``unpadded`` says the caller knows no text cell has surrounding white space (a CSV file
    without any, see :func:`_unpadded`). Plain Python loops: pandas' ``.str`` methods are
    several times slower on object columns.
    """
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all text (CSV): none missing
        if unpadded:
            return values, values == ""
        stripped = np.fromiter(map(str.strip, values), object, len(values))
        return stripped, stripped == ""
    stripped = np.fromiter((v.strip() if isinstance(v, str) else v for v in values), object, len(values))
    return stripped, pd.isna(values) | (stripped == "")


def _is_blank_text(v: object) -> bool:
    return isinstance(v, str) and v.strip() == ""


def _padded(records: list[list]) -> pd.DataFrame:
    width = max((len(r) for r in records), default=0)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in records],
                        columns=range(width), dtype=object)


# ---- CSV ----------------------------------------------------------------------------

def _record_number(text: str) -> int:
    """The record (spreadsheet row) in which ``text``, a file's beginning, ends."""
    try:
        # newline="": the csv module reads line ends itself (a lone CR is one, too).
        n = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:  # NUL or other bytes csv refuses: count physical lines instead
        n = len(text.splitlines())
    return n + 1 if text == "" or text.endswith(("\n", "\r")) else n


def _is_new_table(name: str, source: str, shown: str, kind: str, tables: dict,
                  errors: list[Issue], warns: list[Issue]) -> bool:
    """True for a contract table not yet read; otherwise record why the file or sheet is skipped."""
    if name not in TABLES_BY_NAME:
        warns.append(Issue("unknown_table", name, None, None, source,
                           f"{shown} is not a table of the dossier contract and is ignored", "warning"))
        return False
    if name in tables:
        errors.append(Issue("duplicate_table", name, None, None, source,
                            f"table '{name}' is given by more than one {kind}"))
        return False
    return True


def _read_csv_folder(folder: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    errors: list[Issue] = []
    warns: list[Issue] = []
    tables: dict[str, RawTable] = {}
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise DossierError([], cause=f"{folder} holds no .csv files; expected one CSV per table")
    for f in files:
        name = _table_name(f.stem)
        if not _is_new_table(name, f.name, f"file {f.name}", "file", tables, errors, warns):
            continue
        try:
            raw = f.read_bytes()
        except OSError as exc:
            errors.append(Issue("unreadable", name, None, None, f.name, f"cannot read {f.name}: {exc.strerror or exc}"))
            continue
        t = _read_csv_bytes(name, f.name, raw, errors, warns)
        if t is not None:
            tables[name] = t
    return tables, errors, warns


def _read_csv_bytes(name: str, file: str, raw: bytes, errors: list[Issue], warns: list[Issue]) -> RawTable | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = f"0x{raw[exc.start]:02x}"
        line = raw[: exc.start].count(b"\n") + 1
        row = _record_number(raw[: exc.start].decode("utf-8-sig", errors="replace"))
        errors.append(Issue("encoding", name, row, None, bad,
                            f"{file} is not UTF-8 text (byte {bad} on line {line}); save it as UTF-8 CSV"))
        return None
    if "\x00" in text:
        errors.append(Issue("encoding", name, None, None, file,
                            f"{file} contains NUL bytes; it is not a UTF-8 CSV (UTF-16?)"))
        return None
    if text.strip() == "":
        errors.append(Issue("empty_table", name, None, None, file, f"{file} is empty: it has no header row"))
        return None
    try:
        # the bytes, known by now to be UTF-8: pandas would encode the text back to parse it
        df = pd.read_csv(io.BytesIO(raw.removeprefix(codecs.BOM_UTF8)), encoding="utf-8", header=None,
                         dtype=object, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                         engine="c")
        header_width = df.shape[1]
    except (pd.errors.ParserError, ValueError):
        # Rows wider than the header: read record by record to report each at its row.
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            errors.append(Issue("csv_syntax", name, None, None, file, f"{file} is not a well-formed CSV: {exc}"))
            return None
        header_width = len(records[0])
        df = _padded(records)
    header = df.iloc[0].tolist()[:header_width]
    if len(header) == 1 and header[0] is not None and _foreign_separator(name, str(header[0])):
        sep = _foreign_separator(name, str(header[0]))
        errors.append(Issue("separator", name, 1, None, None,
                            f"{file} is separated by {sep!r}; the dossier's CSV files are comma-separated"))
        return None
    body = df.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    rows = np.arange(2, 2 + len(body), dtype=np.int64)
    return _frame_from_rows(name, file, header, body, rows, errors, warns, csv_file=True,
                            unpadded=_unpadded(text))


#: What ``str.strip`` removes from ASCII text, and the quote that lets a field hold a line break.
_PADDING = (" ", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", '"')


def _unpadded(text: str) -> bool:
    """Whether no field of a CSV text can start or end with white space: ASCII without
    spaces, tabs or the other characters ``str.strip`` removes, and without quotes (a quoted
    field may hold a line break). Then the cells need no stripping, which at portfolio
    scale is a third of reading a results table."""
    return text.isascii() and not any(c in text for c in _PADDING)


def _foreign_separator(name: str, header: str) -> str | None:
    """';' or a tab when the header only makes sense split on it (Excel in some locales)."""
    known = set(TABLES_BY_NAME[name].column_names)
    for sep in (";", "\t", "|"):
        if sep in header and {normalise_header(h) for h in header.split(sep)} & known:
            return sep
    return None


# ---- workbook -----------------------------------------------------------------------

_MERGE_REF = re.compile(r"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def _read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Issue], list[Issue]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    errors: list[Issue] = []
    warns: list[Issue] = []
    tables: dict[str, RawTable] = {}
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            cause = f"{path.name} is an encrypted (password-protected) or legacy .xls workbook; save it unprotected as .xlsx"
        else:
            cause = f"{path.name} is not an .xlsx workbook (not a valid Office Open XML zip file)"
        raise DossierError([], cause=cause)
    with warnings.catch_warnings():
        # openpyxl warns about styles, data validation and extensions it drops: none carry data.
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise DossierError([], cause=f"{path.name} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
        except Exception as exc:  # openpyxl raises assorted errors on corrupt parts
            raise DossierError([], cause=f"{path.name} is a corrupt .xlsx workbook ({type(exc).__name__}: {exc})") from None
        if not wb.worksheets:
            wb.close()
            raise DossierError([], cause=f"{path.name} has no worksheet that can be read (saved as Strict Open XML? "
                                         "save it as an Excel Workbook, .xlsx)")
        try:
            for ws in wb.worksheets:
                name = _table_name(ws.title)
                if not _is_new_table(name, ws.title, f"sheet '{ws.title}'", "sheet", tables, errors, warns):
                    continue
                try:
                    cells, merged, beyond = _sheet_cells(wb, ws)
                except Exception as exc:
                    errors.append(Issue("unreadable", name, None, None, ws.title,
                                        f"sheet '{ws.title}' cannot be read ({type(exc).__name__}: {exc})"))
                    continue
                t = _sheet_table(name, ws.title, cells, merged, errors, warns)
                for col, row in sorted(beyond.items()) if t is not None else ():
                    warns.append(Issue("unnamed_column", name, 1, None, None,
                                       f"{_column_label(col - 1)} has values (first on row {row}) but no "
                                       "header; it is ignored", "warning"))
                if t is not None:
                    tables[name] = t
        finally:
            wb.close()
    return tables, errors, warns


def _sheet_table(name: str, title: str, cells: dict[int, list], merged: list[str],
                 errors: list[Issue], warns: list[Issue]) -> RawTable | None:
    header_cells = cells.get(1)
    if header_cells is None or all(h is None or _is_blank_text(h) for h in header_cells):
        what = "is empty: it has no header row" if not cells else "has no header: its row 1 is empty"
        errors.append(Issue("empty_table", name, None, None, title, f"sheet '{title}' {what}"))
        return None
    header = list(header_cells)
    for ref in merged:
        col = _merge_column(ref, header)
        warns.append(Issue("merged_cells", name, _merge_top_row(ref), col, ref,
                           f"merged cells {ref} are read as the value of their top-left cell in every row and column "
                           "they span", "warning"))
    numbers = sorted(r for r in cells if r > 1)
    body = _padded([cells[r] for r in numbers])
    return _frame_from_rows(name, title, header, body, np.asarray(numbers, dtype=np.int64), errors, warns,
                            csv_file=False)


def _merge_bounds(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    return range_boundaries(ref)  # min_col, min_row, max_col, max_row


def _merge_top_row(ref: str) -> int:
    return _merge_bounds(ref)[1]


def _merge_column(ref: str, header: list) -> str | None:
    c = _merge_bounds(ref)[0]
    return normalise_header(header[c - 1]) or None if c - 1 < len(header) else None


def _sheet_cells(wb, ws) -> tuple[dict[int, list], list[str], dict[int, int]]:
    """The sheet's non-empty rows {sheet row: values} and its merged ranges, filled in, and
    {column: first row} of values to the right of the header's last column.

    Values are what Excel shows (saved formula results). An error value or a formula
    saved without its result becomes a :class:`CellProblem`. A merged range shows its
    top-left value across the whole range, and is read that way.
    """
    try:
        cells, merged, beyond, width = _parse_sheet(wb, ws)
    except (AttributeError, ImportError, TypeError):  # openpyxl internals moved: plain values
        cells = {i: list(r) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)
                 if any(v is not None for v in r)}
        merged, beyond, width = [], {}, None
    last_row = max(cells, default=0)
    for ref in merged:
        min_col, min_row, max_col, max_row = _merge_bounds(ref)
        max_row = min(max_row, last_row)  # a merge running past the data adds no rows
        if width is not None:
            max_col = min(max_col, max(width, min_col))  # a whole-row merge (A:XFD) stops at the header
        top = cells.get(min_row, [])
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        for r in range(min_row, max_row + 1):
            row = cells.setdefault(r, [])
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col, max_col + 1):
                if row[c - 1] is None:
                    row[c - 1] = value
    return cells, merged, beyond


def _parse_sheet(wb, ws) -> tuple[dict[int, list], list[str]]:
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    def uncomputed(element) -> bool:
        # A saved result is a <v>; an empty <v> is a result only for a text formula (="").
        if element.find(FORMULA_TAG) is None:
            return False
        saved = element.findtext(VALUE_TAG)
        return saved is None or (saved == "" and element.get("t") not in ("str", "s", "inlineStr"))

    class SavedValueParser(WorkSheetParser):
        def parse_cell(self, element):
            try:
                cell = super().parse_cell(element)
            except (ValueError, TypeError, IndexError, KeyError, OverflowError) as exc:
                # One malformed cell (t="b" holding TRUE, a bad t="d" value) is a problem at
                # that cell, not a sheet that cannot be read.
                return self._bad_cell(element, exc)
            saved = element.findtext(VALUE_TAG)
            if cell["data_type"] == "e" and cell["value"] == "#VALUE!" and saved not in (None, "#VALUE!"):
                # openpyxl's mark for a date cell whose serial number no date has
                cell["value"] = CellProblem(
                    "wrong_type", f"a date cell whose serial number ({saved}) is outside the dates Excel can "
                    "show; enter the date as YYYY-MM-DD", saved)
            elif cell["data_type"] == "d" and saved is not None and saved.lstrip().startswith("-"):
                cell["value"] = CellProblem(
                    "wrong_type", f"a date cell with a negative serial number ({saved}), which no Excel date "
                    "has; enter the date as YYYY-MM-DD", saved)
            elif cell["value"] is None and uncomputed(element):
                text = element.findtext(FORMULA_TAG) or ""
                shown = f"={text}" if text else "a shared formula"
                cell["value"] = CellProblem(
                    "formula", f"a formula ({shown}) saved without its computed value; open the workbook in "
                    "Excel (or LibreOffice) and save it, or paste the values", shown)
            elif cell["data_type"] == "e" and cell["value"] is not None:
                v = str(cell["value"])
                cell["value"] = CellProblem("excel_error", f"an Excel error value ({v}), not data", v)
            elif isinstance(cell["value"], str) and "_x" in cell["value"]:
                cell["value"] = _unescape_ooxml(cell["value"])
            return cell

        def _bad_cell(self, element, exc: Exception) -> dict:
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:  # the counter has moved past this cell already
                row, column = self.row_counter, self.col_counter
            raw = element.findtext(VALUE_TAG) or ""
            problem = CellProblem("wrong_type", f"a cell whose stored value ({raw!r}, type {element.get('t', 'n')!r}) "
                                  f"cannot be read ({type(exc).__name__}); retype the value", raw)
            return {"row": row, "column": column, "value": problem, "data_type": "e", "style_id": 0}

    cells: dict[int, list] = {}
    beyond: dict[int, int] = {}
    width: int | None = None  # the header's last column: rows are dense up to it
    src = ws._get_source()
    try:
        parser = SavedValueParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                  date_formats=wb._date_formats | _cjk_date_styles(wb),
                                  timedelta_formats=wb._timedelta_formats)
        for idx, row in parser.parse():
            values = [(c["column"], c["value"]) for c in row if c["value"] is not None]
            if not values:
                continue
            if width is None:
                width = max(c for c, v in values if not _is_blank_text(v)) if idx == 1 and any(
                    not _is_blank_text(v) for _, v in values) else 0
            # A stray value far to the right (column XFD) would make every row 16,384 cells
            # wide: it is noted by column, for one warning, and not stored.
            out = [None] * min(max(c for c, _ in values), width)
            for c, v in values:
                if c <= width:
                    out[c - 1] = v
                elif not _is_blank_text(v):
                    beyond.setdefault(c, idx)
            cells[idx] = out
        merged = [str(m.ref) for m in parser.merged_cells.mergeCell] if parser.merged_cells is not None else []
    finally:
        src.close()
    return cells, [m for m in merged if _MERGE_REF.match(m) and ":" in m], beyond, width


_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_ooxml(text: str) -> str:
    """Text as Excel meant it: a workbook writes a control character such as a carriage
    return as ``_x000D_`` (and a literal ``_x000D_`` as ``_x005F_x000D_``)."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


#: Excel's built-in date formats of its Chinese, Japanese and Korean versions (format ids
#: 27-36 and 50-58, for example 31 = yyyy年m月d日), which a workbook names by id only and
#: openpyxl does not know as dates.
_CJK_DATE_FORMAT_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))


def _cjk_date_styles(wb) -> set[int]:
    try:
        return {i for i, style in enumerate(wb._cell_styles) if style.numFmtId in _CJK_DATE_FORMAT_IDS}
    except (AttributeError, TypeError):  # openpyxl internals moved: its own date styles only
        return set()
