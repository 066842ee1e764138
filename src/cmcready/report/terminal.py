"""Human summaries for the terminal (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..audit import AuditResult
from ..dossier import Issue

SEVERITY_STYLE = {"critical": "bold red", "major": "yellow", "minor": "cyan", "info": "dim"}
#: Problems shown in a table; any more are listed one plain line each (every problem is
#: listed, and a table of 100,000 rows would take rich minutes to lay out).
MAX_ISSUES_SHOWN = 200


def _plain_line(i: Issue) -> str:
    value = "" if i.value is None else f" (value {i.value!s})"
    return f"{i.location()}{value}: {i.message}"


def print_issues(console: Console, errors: list[Issue], warnings: list[Issue], *, source: str,
                 headline: bool = True) -> None:
    if not headline:
        pass
    elif errors:
        console.print(f"[bold red]{escape(source)}: the dossier is invalid: {len(errors)} problem{'s' if len(errors) != 1 else ''}[/]")
    else:
        console.print(f"[green]{escape(source)}: the dossier is valid[/]")
    for title, items, style in (("errors", errors, "red"), ("warnings", warnings, "yellow")):
        if not items:
            continue
        t = Table(title=title.capitalize(), title_style=style, show_lines=False)
        for col in ("table", "row", "column", "value", "problem"):
            t.add_column(col, overflow="fold")
        for i in items[:MAX_ISSUES_SHOWN]:
            # user text (values, names) is never rich markup: "[/x]" in a cell must print as is
            t.add_row(escape(i.table or ""), "" if i.row is None else str(i.row), escape(i.column or ""),
                      "" if i.value is None else escape(str(i.value)), escape(i.message))
        console.print(t)
        if len(items) > MAX_ISSUES_SHOWN:
            rest = items[MAX_ISSUES_SHOWN:]
            console.print(f"{len(rest)} more {title}:", style=style, markup=False, highlight=False)
            console.file.write("".join(f"{_plain_line(i)}\n" for i in rest))


def print_warnings(console: Console, warnings: list[Issue]) -> None:
    """A valid dossier's warnings (ignored columns, sheets, merged cells), one line each."""
    for w in warnings[:MAX_ISSUES_SHOWN]:
        console.print(Text.assemble(("warning", "yellow"), f" {w.location()}: {w.message}"))
    if len(warnings) > MAX_ISSUES_SHOWN:
        console.file.write("".join(f"warning {w.location()}: {w.message}\n" for w in warnings[MAX_ISSUES_SHOWN:]))


def print_audit(console: Console, result: AuditResult) -> None:
    d = result.dossier
    s = result.summary()
    console.print(f"[bold]{escape(d.program.product_name)}[/] ({escape(d.program.program_id)}), "
                  f"as of {result.as_of.isoformat()}")
    console.print("  ".join(f"[{SEVERITY_STYLE[k]}]{k}: {v}[/]" for k, v in s.items()))
    if not result.findings:
        console.print("[green]No findings.[/]")
        return
    t = Table(show_lines=False)
    for col in ("severity", "code", "subject", "title", "due"):
        t.add_column(col, overflow="fold")
    for f in result.findings:
        subj = ", ".join(f"{v}" for k, v in f.subjects.items() if k != "lot_ids" and v)
        if f.subjects.get("lot_ids"):
            n = len(f.subjects["lot_ids"])
            subj = (subj + "; " if subj else "") + (f"{n} lots" if n > 3 else ", ".join(f.subjects["lot_ids"]))
        t.add_row(f"[{SEVERITY_STYLE[f.severity]}]{f.severity}[/]", f.code, escape(subj), escape(f.title),
                  f.due_date.isoformat() if f.due_date else "")
    console.print(t)
