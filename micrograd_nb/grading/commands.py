"""``micrograd-nb assign`` and ``micrograd-nb grade``: argument parsing and output.
Registered by ``micrograd_nb.cli``; the work is done in assign.py and batch.py."""

import argparse
import sys
from pathlib import Path

EXIT_NOT_GRADED = 1


def register(commands):
    assign = commands.add_parser(
        "assign", help="write the student version of a source notebook",
        description="Write the student version of nbgrader-format source notebooks: "
                    "solutions replaced by a stub, hidden tests removed, outputs cleared, "
                    "cells locked.")
    assign.add_argument("sources", nargs="+", metavar="SOURCE.ipynb")
    assign.add_argument("--out", default="exercises/release", metavar="FOLDER",
                        help="where to write the release notebooks (default: %(default)s)")
    assign.set_defaults(run=run_assign)

    grade = commands.add_parser(
        "grade", help="grade submissions in a sandbox",
        description="Grade submissions against their source notebook. Each runs in a "
                    "separate, limited kernel; its values are compared with the solution's "
                    "in the grader. Exits 0 when every submission was graded.")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    grade.add_argument("--assignment", metavar="SOURCE.ipynb",
                       help="the source notebook (default: the notebook of the same name "
                            "in exercises/source/)")
    grade.add_argument("--json", metavar="PATH", help="write the results as JSON")
    grade.add_argument("--csv", metavar="PATH", help="write one row per submission")
    grade.add_argument("--gradescope", metavar="PATH",
                       help="write Gradescope's results.json (one submission)")
    grade.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                       help="submissions graded at once (default: %(default)s)")
    grade.add_argument("--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                       help="wall time allowed per question (default: %(default)s)")
    grade.set_defaults(run=run_grade)


def run_assign(args):
    from .assign import write_release
    from .notebooks import GradingInputError

    failed = False
    for source in args.sources:
        try:
            print(write_release(source, args.out))
        except GradingInputError as e:
            print(f"error: {e}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def run_grade(args):
    from .batch import grade_batch
    from .results import format_table, write_csv, write_gradescope, write_json

    if args.gradescope and len(args.submissions) != 1:
        print("error: --gradescope takes one submission (Gradescope grades one per run)",
              file=sys.stderr)
        return 2
    results = grade_batch(args.submissions, args.assignment, jobs=args.jobs,
                          timeout=args.timeout, progress=sys.stderr.isatty())
    for result in results:
        print(format_table(result))
    for path, write in ((args.json, write_json), (args.csv, write_csv)):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            write(results, path)
    if args.gradescope:
        write_gradescope(results[0], args.gradescope)
    not_graded = [r for r in results if r.error]
    for result in not_graded:
        print(f"error: {result.error}", file=sys.stderr)
    return EXIT_NOT_GRADED if not_graded else 0


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
