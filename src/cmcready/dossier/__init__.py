"""The dossier: the contract, the loader and validation."""

from .issues import DossierError, Issue
from .load import ValidationReport, check_dossier, load_dossier
from .model import Dossier, Program

__all__ = ["Dossier", "DossierError", "Issue", "Program", "ValidationReport", "check_dossier", "load_dossier"]
