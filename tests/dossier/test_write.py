"""The writers used by the demo and the tests give reproducible containers."""

from __future__ import annotations

import hashlib
import zipfile

from cmcready.dossier import load_dossier
from cmcready.dossier.write import write_workbook
from tests.builders import base_tables


def test_same_tables_give_a_byte_identical_workbook(tmp_path):
    a = write_workbook(base_tables(), tmp_path / "a.xlsx")
    b = write_workbook(base_tables(), tmp_path / "b.xlsx")
    assert hashlib.sha256(a.read_bytes()).hexdigest() == hashlib.sha256(b.read_bytes()).hexdigest()
    core = zipfile.ZipFile(a).read("docProps/core.xml")
    assert b"2000-01-01T00:00:00Z" in core  # save time pinned, not the wall clock
    assert len(load_dossier(a).lots) == 22  # still a workbook openpyxl (and Excel) reads
