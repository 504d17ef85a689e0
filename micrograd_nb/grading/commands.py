"""``micrograd-nb assign``, ``grade`` and ``gradescope``: argument parsing and output.
Registered by ``micrograd_nb.cli``; the work is done in assign.py, batch.py and
gradescope.py.

Every output path is tried before any grading starts (an unwritable ``--json`` found
after an hour of grading loses the hour), results are written before anything is
printed, and a missing ``grading`` extra is one line saying what to install.
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

EXIT_NOT_GRADED = 1
EXIT_USAGE = 2
GRADING_MODULES = ("nbformat", "jupyter_client", "zmq", "ipykernel", "tqdm")


def register(commands):
    assign = commands.add_parser(
        "assign", help="write the student version of a source notebook",
        description="Write the student version of nbgrader-format source notebooks: "
                    "solutions replaced by a stub, hidden tests removed, outputs cleared, "
                    "cells locked. Never writes over a source or a file holding solutions.")
    assign.add_argument("sources", nargs="+", metavar="SOURCE.ipynb")
    assign.add_argument("--out", default="exercises/release", metavar="FOLDER",
                        help="where to write the release notebooks (default: %(default)s)")
    assign.set_defaults(run=run_assign)

    grade = commands.add_parser(
        "grade", help="grade submissions in a sandbox",
        description="Grade submissions against their source notebook. Each runs in a "
                    "separate, limited kernel; its values are compared with the solution's "
                    "in the grader. Exits 0 when every submission was graded. Submissions "
                    "in nbgrader's layout (submitted/STUDENT/ASSIGNMENT/*.ipynb) are named "
                    "by student and graded against source/ASSIGNMENT/ of the same course.")
    grade.add_argument("submissions", nargs="*", metavar="SUBMISSION.ipynb")
    grade.add_argument("--submission-folder", metavar="FOLDER",
                       help="grade the one notebook in FOLDER, whatever its name "
                            "(Gradescope's /autograder/submission)")
    grade.add_argument("--assignment", metavar="SOURCE.ipynb",
                       help="the source notebook (default: the notebook of the same name "
                            "in the nbgrader course's source/ASSIGNMENT/ or in "
                            "exercises/source/)")
    grade.add_argument("--json", metavar="PATH", help="write the results as JSON")
    grade.add_argument("--csv", metavar="PATH", help="write one row per submission")
    grade.add_argument("--nbgrader-csv", metavar="PATH",
                       help="write the CSV `nbgrader export` writes (one row per student)")
    grade.add_argument("--gradescope", metavar="PATH",
                       help="write Gradescope's results.json (one submission)")
    grade.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                       help="submissions graded at once (default: %(default)s)")
    grade.add_argument("--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                       help="wall time allowed per question (default: %(default)s)")
    grade.set_defaults(run=run_grade)

    gradescope = commands.add_parser(
        "gradescope", help="build a Gradescope autograder zip for a source notebook",
        description="Write Gradescope's autograder zip: setup.sh installs this version of "
                    "micrograd_nb on Gradescope's image, run_autograder grades the one "
                    "notebook uploaded and writes results/results.json.")
    gradescope.add_argument("source", metavar="SOURCE.ipynb")
    gradescope.add_argument("-o", "--out", required=True, metavar="autograder.zip")
    gradescope.add_argument("--timeout", type=_positive_float, default=30.0,
                            metavar="SECONDS", help="wall time allowed per question")
    gradescope.add_argument("--wheel", metavar="FILE.whl",
                            help="install this wheel of micrograd_nb (put into the zip) "
                                 "instead of the release from PyPI")
    gradescope.set_defaults(run=run_gradescope)


def _grading_extra_missing(command):
    """One line naming the extra to install, or None when it is installed."""
    missing = []
    for name in GRADING_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if not missing:
        return None
    return (f"error: micrograd-nb {command} needs the grading extra (missing: "
            f"{', '.join(missing)}); install it with: pip install 'micrograd_nb[grading]'")


def _refused_outputs(outputs, inputs=()):
    """Why one of the ``outputs`` cannot be written (a line), or None. Each is
    opened for appending, as the results will be, and removed again if it was new."""
    for path in outputs:
        path = Path(path)
        if any(_same_file(path, i) for i in inputs):
            return f"error: {path} is an input of this run; refusing to write over it"
        existed = os.path.lexists(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as e:
            return f"error: cannot write {path} ({e.strerror or e})"
        finally:
            if not existed and os.path.lexists(path) and path.is_file():
                path.unlink()
    return None


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def run_assign(args):
    missing = _grading_extra_missing("assign")
    if missing:
        print(missing, file=sys.stderr)
        return EXIT_USAGE
    from .assign import refused_target, write_release
    from .notebooks import GradingInputError

    refusals = [refused_target(source, args.out, args.sources) for source in args.sources]
    refusals = [r for r in refusals if r]
    refused = refusals[0] if refusals else _refused_outputs([args.out + "/.write-test"])
    if refused:
        print(refused if refused.startswith("error:") else f"error: {refused}",
              file=sys.stderr)
        return EXIT_USAGE
    failed = False
    for source in args.sources:
        try:
            print(write_release(source, args.out))
        except GradingInputError as e:
            print(f"error: {e}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def run_grade(args):
    missing = _grading_extra_missing("grade")
    if missing:
        print(missing, file=sys.stderr)
        return EXIT_USAGE
    from .batch import grade_batch
    from .layouts import only_notebook
    from .notebooks import GradingInputError
    from .results import (
        SubmissionResult,
        format_table,
        write_csv,
        write_gradescope,
        write_json,
        write_nbgrader_csv,
    )

    _safe_streams()
    submissions = list(args.submissions)
    if bool(submissions) == bool(args.submission_folder):
        print("error: give SUBMISSION.ipynb files or --submission-folder, one of the two",
              file=sys.stderr)
        return EXIT_USAGE
    if args.gradescope and len(submissions) > 1:
        print("error: --gradescope takes one submission (Gradescope grades one per run)",
              file=sys.stderr)
        return EXIT_USAGE
    outputs = {"json": args.json, "csv": args.csv, "nbgrader_csv": args.nbgrader_csv,
               "gradescope": args.gradescope}
    refused = _refused_outputs([p for p in outputs.values() if p],
                               [*submissions, *([args.assignment] if args.assignment else [])])
    if refused:
        print(refused, file=sys.stderr)
        return EXIT_USAGE

    about, results = {}, None
    if args.submission_folder:
        try:
            submissions = [only_notebook(args.submission_folder)]
        except GradingInputError as e:
            results = [SubmissionResult(args.submission_folder, args.assignment or "", 0.0,
                                        error=f"{args.submission_folder}: {e}")]
    if results is None:
        results = grade_batch(submissions, args.assignment, jobs=args.jobs,
                              timeout=args.timeout, progress=sys.stderr.isatty(), about=about)
    writers = {"json": lambda r, p: write_json(r, p, about), "csv": write_csv,
               "nbgrader_csv": write_nbgrader_csv,
               "gradescope": lambda r, p: write_gradescope(r[0], p)}
    for name, path in outputs.items():
        if path:
            writers[name](results, path)
    for result in results:
        print(format_table(result))
    not_graded = [r for r in results if r.error]
    for result in not_graded:
        print(f"error: {result.error}", file=sys.stderr)
    return EXIT_NOT_GRADED if not_graded else 0


def run_gradescope(args):
    missing = _grading_extra_missing("gradescope")
    if missing:
        print(missing, file=sys.stderr)
        return EXIT_USAGE
    from .gradescope import build_autograder
    from .notebooks import GradingInputError

    refused = _refused_outputs([args.out], [args.source])
    if refused:
        print(refused, file=sys.stderr)
        return EXIT_USAGE
    try:
        print(build_autograder(args.source, args.out, timeout=args.timeout, wheel=args.wheel))
    except GradingInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _safe_streams():
    """Whatever a text holds, printing it cannot fail (the texts are already clean;
    this is for the terminal's encoding)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value
