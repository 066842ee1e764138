"""The ``cmcready`` command: parse options, call the library, print, exit with the contract's status."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
import re
import sys
import warnings
from pathlib import Path

import click
from rich.console import Console

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID = 0, 1, 2
#: A defect in cmcready itself: distinct from 1, which an audit uses for "findings".
EXIT_INTERNAL = 3
FAIL_LEVELS = ("critical", "major", "minor", "info", "never")


class UserError(Exception):
    """A problem the user can fix: printed as one line of cause, then details; exit 2."""

    def __init__(self, cause: str, details: list[str] | None = None):
        super().__init__(cause)
        self.cause = cause
        self.details = details or []


def _err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def user_errors(fn):
    """Turn every user error into a one-line cause, details, and exit 2; never a traceback.

    The cyclic garbage collector is paused while the command runs: a command builds the
    dossier's tables once and keeps them to the end, and at 100,000 lots the collector's
    passes over those live objects cost about a tenth of the run while finding almost
    nothing to free (peak memory is the same). It is resumed when the command returns.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .config import ConfigError
        from .dossier import DossierError

        collecting = gc.isenabled()
        gc.disable()
        try:
            with warnings.catch_warnings():
                # Numerical warnings (overflow at values near 1e300) are not the user's to read:
                # what cannot be estimated is reported as such in the output.
                if not os.environ.get("CMCREADY_DEBUG"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                return fn(*args, **kwargs)
        except UserError as exc:
            _fail(exc.cause, exc.details)
        except ConfigError as exc:
            _fail("the configuration file is invalid", exc.problems)
        except DossierError as exc:
            _fail(exc.cause, [f"{i.location()}: {i.message}" for i in exc.issues])
        except KeyboardInterrupt:
            _fail("interrupted")
        finally:
            if collecting:
                gc.enable()

    return wrapper


def _fail(cause: str, details: list[str] | None = None) -> None:
    click.echo(f"Error: {cause}", err=True)
    for line in details or []:
        click.echo(f"  {line}", err=True)
    sys.exit(EXIT_INVALID)


def parse_as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    # fromisoformat alone also takes 20240901 and week dates (2024-W35-1): the contract says YYYY-MM-DD
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"--as-of {value!r} is not a date; write it as YYYY-MM-DD") from None


def write_output(target: str, text: str, what: str) -> None:
    """Write ``text`` to a file, or to standard output for ``-``."""
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(target)
    try:
        if path.is_dir():
            raise UserError(f"cannot write the {what} to {target}: it is a folder")
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write the {what} to {target}: {exc.strerror or exc}") from None


def check_writable(*targets: str | None) -> None:
    """Fail before the work when an output path cannot be written."""
    for t in targets:
        if t is None or t == "-":
            continue
        p = Path(t)
        parent = p.parent if str(p.parent) else Path(".")
        if p.is_dir():
            raise UserError(f"cannot write to {t}: it is a folder")
        if not parent.is_dir():
            raise UserError(f"cannot write to {t}: folder {parent} does not exist")
        if p.exists():  # a file, or a special file such as /dev/null
            ok = _can_open(p, "a")
        else:
            ok = _can_create(parent)
        if not ok:
            raise UserError(f"cannot write to {t}: permission denied")


def _can_open(p: Path, mode: str) -> bool:
    try:
        with open(p, mode):
            return True
    except OSError:
        return False


def _can_create(folder: Path) -> bool:
    import os
    import tempfile

    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".cmcready-write-check-")
        os.close(fd)
        os.unlink(name)
        return True
    except OSError:
        return False


def dossier_argument(fn):
    return click.argument("path", type=click.Path(path_type=Path))(fn)


def as_of_option(fn):
    return click.option("--as-of", "as_of", metavar="DATE", default=None,
                        help="The audit date (YYYY-MM-DD); default today. Selects specifications in force, "
                             "methods in use, expiry, and anchors due dates.")(fn)


def json_option(fn):
    return click.option("--json", "json_out", metavar="FILE", default=None,
                        help="Write the JSON to FILE ('-' for standard output, which then holds nothing else).")(fn)


def _check(path: Path, json_out: str | None):
    """Validate a dossier. A container that cannot be read at all (missing path, not a
    workbook, corrupt) still gets its validation JSON, with the cause as its one error."""
    from .dossier import DossierError, Issue, check_dossier
    from .report.json_out import dumps, plain

    try:
        return check_dossier(path)
    except DossierError as exc:
        if json_out:
            errors = exc.issues or [Issue("unreadable_container", None, None, None, str(path), exc.cause)]
            write_output(json_out, dumps(plain(DossierError(errors, exc.warnings).to_json())), "validation JSON")
        raise


def _load(path: Path, console: Console, json_out: str | None, *, what: str):
    """Validate and load; on an invalid dossier write the validation JSON, print the cause
    and the problems to standard error, and exit 2."""
    from .report.json_out import dumps, plain
    from .report.terminal import print_issues, print_warnings

    report = _check(path, json_out)
    if not report.valid:
        if json_out:
            write_output(json_out, dumps(plain(report.to_json())), "validation JSON")
        n = len(report.errors)
        click.echo(f"Error: {path}: the dossier is invalid ({n} problem{'s' if n != 1 else ''}); "
                   f"the {what} did not run", err=True)
        print_issues(_err_console(), report.errors, report.warnings, source=str(path), headline=False)
        sys.exit(EXIT_INVALID)
    print_warnings(console, report.warnings)
    return report.dossier


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cmcready")
def cli():
    """CMC readiness audit for cell and gene therapy programs.

    Reads a program's development record (the dossier: an .xlsx workbook or a folder of
    CSVs) and audits it for the patterns behind most CGT complete response letters:
    assay changes without bridging, a process not locked before the pivotal study, and
    specifications the clinic did not cover.

    \b
    Example:
        cmcready demo --out demo
        cmcready audit demo/demo-dossier.xlsx --as-of 2025-06-30 --html report.html
    """


@cli.command()
@dossier_argument
@json_option
@user_errors
def validate(path: Path, json_out: str | None):
    """Check a dossier against the dossier contract and list every problem.

    Each problem gives its table, the row as you see it (header = row 1), the column,
    the value and a sentence. Exit status 0 when valid, 2 when not.

    \b
    Example:
        cmcready validate program.xlsx
        cmcready validate exports/ --json problems.json
    """
    from .report.json_out import dumps, plain
    from .report.terminal import print_issues

    check_writable(json_out)
    console = Console(stderr=json_out == "-", highlight=False)
    report = _check(path, json_out)
    if json_out:
        write_output(json_out, dumps(plain(report.to_json())), "validation JSON")
    print_issues(console, report.errors, report.warnings, source=str(path))
    sys.exit(EXIT_OK if report.valid else EXIT_INVALID)


@cli.command()
@dossier_argument
@as_of_option
@click.option("--config", "config_path", metavar="FILE", type=click.Path(path_type=Path), default=None,
              help="A TOML file of thresholds ([AM002] max_days = 30, [modality.autologous_cell.MS001] ...).")
@json_option
@click.option("--html", "html_out", metavar="FILE", default=None, help="Write the HTML report to FILE ('-' for standard output).")
@click.option("--fail-on", type=click.Choice(FAIL_LEVELS), default="critical", show_default=True,
              help="Exit 1 when a finding at or above this severity exists.")
@user_errors
def audit(path: Path, as_of: str | None, config_path: Path | None, json_out: str | None,
          html_out: str | None, fail_on: str):
    """Validate, then audit a dossier; print a summary; write the JSON and/or HTML report.

    Exit status 0 when no finding is at or above --fail-on, 1 when some is, 2 for an
    invalid dossier or bad usage.

    \b
    Example:
        cmcready audit program.xlsx --as-of 2025-06-30 --json audit.json --html report.html
        cmcready audit exports/ --json - --fail-on major > audit.json
    """
    from .config import ConfigError, load_config
    from .report.json_out import audit_json, dumps
    from .report.terminal import print_audit

    day = parse_as_of(as_of)
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise UserError(f"the configuration file is invalid: {config_path}", exc.problems) from None
    if json_out == "-" and html_out == "-":
        raise UserError("--json and --html cannot both go to standard output")
    check_writable(json_out, html_out)
    to_stdout = "-" in (json_out, html_out)
    console = Console(stderr=to_stdout, highlight=False)
    dossier = _load(path, console, json_out, what="audit")
    result = _run_with_progress(dossier, day, config)
    if json_out:
        write_output(json_out, dumps(audit_json(result)), "audit JSON")
    if html_out:
        from .plan import make_plan
        from .report.html import render_html

        write_output(html_out, render_html(result, plan=make_plan(dossier, as_of=day, config=config, context=result.context)), "HTML report")
    print_audit(console, result)
    for target, what in ((json_out, "JSON"), (html_out, "HTML report")):
        if target and target != "-":
            console.print(f"{what} written to {target}")
    sys.exit(EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK)


def _run_with_progress(dossier, day, config):
    from .audit import run_audit

    err = _err_console()
    if not err.is_terminal or len(dossier.results) < 50_000:
        return run_audit(dossier, as_of=day, config=config)
    from rich.progress import Progress

    from .rules import all_rules

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("auditing", total=len(all_rules()))
        return run_audit(dossier, as_of=day, config=config,
                         progress=lambda code: progress.update(task, advance=1, description=f"rule {code}"))


@cli.command()
@dossier_argument
@as_of_option
@json_option
@user_errors
def plan(path: Path, as_of: str | None, json_out: str | None):
    """Which available lots to dose next to extend clinical experience toward the proposed limits.

    A recommended lot is released, not administered, not expired, and within every release
    specification in force; lots are chosen greedily by how much of the remaining gaps
    they close. Patient-specific products get no lot list, and a note saying why.

    \b
    Example:
        cmcready plan program.xlsx --as-of 2025-06-30
        cmcready plan exports/ --json plan.json
    """
    from .plan import make_plan
    from .report.json_out import dumps, plain
    from .report.plan_terminal import print_plan

    day = parse_as_of(as_of)
    check_writable(json_out)
    # the plan table shows user ids, and uses no markup: "[x]" in a lot id prints as is
    console = Console(stderr=json_out == "-", highlight=False, markup=False)
    dossier = _load(path, console, json_out, what="plan")
    result = make_plan(dossier, as_of=day)
    if json_out:
        write_output(json_out, dumps(plain(result)), "plan JSON")
    print_plan(console, result)
    sys.exit(EXIT_OK)


@cli.command()
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(path_type=Path), default=Path("cmcready-demo"),
              show_default=True, help="Folder to write the demo dossier and its reports into.")
@user_errors
def demo(out_dir: Path):
    """Write the bundled demo program (an autologous CAR-T) and its audit reports, and say where.

    The dossier is written both as a workbook and as a CSV folder, then audited as of the
    demo's fixed date into report.html and audit.json.

    \b
    Example:
        cmcready demo --out demo
    """
    from .audit import run_audit
    from .demo.generate import DEMO_AS_OF, write_demo_dossier
    from .dossier import load_dossier
    from .plan import make_plan
    from .report.html import render_html
    from .report.json_out import audit_json, dumps, plain

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    check_writable(str(out_dir / "report.html"))
    xlsx, csv_dir = write_demo_dossier(out_dir)
    dossier = load_dossier(xlsx)
    result = run_audit(dossier, as_of=DEMO_AS_OF)
    the_plan = make_plan(dossier, as_of=DEMO_AS_OF, context=result.context)
    write_output(str(out_dir / "audit.json"), dumps(audit_json(result)), "audit JSON")
    write_output(str(out_dir / "plan.json"), dumps(plain(the_plan)), "plan JSON")
    write_output(str(out_dir / "report.html"), render_html(result, plan=the_plan), "HTML report")
    s = result.summary()
    click.echo(f"Demo dossier: {xlsx} (workbook) and {csv_dir}/ (CSV folder)")
    click.echo(f"Audited as of {DEMO_AS_OF.isoformat()}: " + ", ".join(f"{v} {k}" for k, v in s.items()))
    click.echo(f"JSON: {out_dir / 'audit.json'}")
    click.echo(f"Report: {(out_dir / 'report.html')}")


@cli.command(name="rules")
@click.argument("code", required=False)
@user_errors
def rules_command(code: str | None):
    """List the audit rules, or print one rule's full text.

    \b
    Example:
        cmcready rules
        cmcready rules AM004
    """
    from .report.catalog import rule_text, rules_table

    console = Console(highlight=False)
    if code is None:
        console.print(rules_table())
        return
    text = rule_text(code.upper())
    if text is None:
        raise UserError(f"no rule {code!r}; `cmcready rules` lists them")
    click.echo(text)


def main() -> None:
    """The console entry point: every failure is a one-line cause, then details, never a traceback.

    Usage errors (bad option, missing argument) exit 2 like other user errors; a defect in
    cmcready itself exits 3, so that it never passes for an audit's "findings" (1).
    Set ``CMCREADY_DEBUG=1`` to see the traceback of a defect.
    """
    try:
        code = cli.main(standalone_mode=False)
    except click.UsageError as exc:
        details = ["Try 'cmcready --help' for help."]
        if exc.ctx is not None:
            details = [exc.ctx.get_usage(), f"Try '{exc.ctx.command_path} --help' for help."]
        _fail(exc.format_message(), details)
    except click.Abort:
        _fail("interrupted")
    except click.ClickException as exc:
        _fail(exc.format_message())
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get("CMCREADY_DEBUG"):
            raise
        click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); this is a defect in cmcready, "
                   "not a problem with your dossier or options", err=True)
        click.echo("  run again with CMCREADY_DEBUG=1 to see the traceback, and please report it", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
