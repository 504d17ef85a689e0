"""Grading speed: seconds per submission of a four-question notebook, alone and in a
batch of 20 with ``--jobs 2``, and what one sandboxed kernel costs.

    .venv/bin/python benchmarks/grading.py [--repeat 5]

Each submission is the reference solution of exercises/source/01_scalar_outputs.ipynb
put into its release notebook, so every check runs and passes. "CLI" times the whole
``micrograd-nb grade`` command (interpreter start, imports, the solution's run, which
overlaps the submission's); "in process" calls ``grade_batch`` from a warm process.
For comparison, on this kind of machine nbgrader took about 4.1 s and otter-grader about
5 s per submission (measured once, not in this run). Goal: under 2 s per submission.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import fmt_time, markdown_table

ROOT = Path(__file__).resolve().parents[1]
NAME = "01_scalar_outputs"
SOURCE = ROOT / "exercises" / "source" / f"{NAME}.ipynb"
RELEASE = ROOT / "exercises" / "release" / f"{NAME}.ipynb"
BATCH = 20
GOAL_SECONDS = 2.0


def write_submissions(folder, count):
    """``count`` copies of the release notebook holding the reference answers."""
    sys.path.insert(0, str(ROOT))
    from micrograd_nb.grading.notebooks import Assignment, nbgrader_metadata

    answers = Assignment.load(SOURCE).solutions()
    notebook = json.loads(RELEASE.read_text())
    for cell in notebook["cells"]:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    paths = []
    for i in range(count):
        path = Path(folder) / f"student{i:02d}.ipynb"
        path.write_text(json.dumps(notebook))
        paths.append(path)
    return paths


def grade_command(paths, jobs):
    command = [sys.executable, "-m", "micrograd_nb.cli", "grade", *map(str, paths),
               "--assignment", str(SOURCE), "--jobs", str(jobs)]

    def run():
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        expected = "8 / 8"
        if done.returncode != 0 or done.stdout.count(expected) != len(paths):
            raise RuntimeError(f"grading failed:\n{done.stdout}\n{done.stderr}")
    return run


def grade_in_process(paths):
    from micrograd_nb.grading.batch import grade_batch

    def run():
        results = grade_batch(paths, SOURCE, jobs=1, warn=lambda line: None)
        if any(r.score != 8 for r in results):
            raise RuntimeError("grading failed")
    return run


def kernel_start_and_stop():
    from micrograd_nb.grading.kernel import Kernel
    from micrograd_nb.grading.sandbox import Sandbox

    sandbox = Sandbox(slots=1)

    def run():
        Kernel(sandbox, 0, cpu_seconds=60).start().close()
    return run, sandbox


def seconds(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="samples per case")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_submissions(folder, BATCH)
        start_stop, sandbox = kernel_start_and_stop()
        try:
            cases = [
                ("one submission, CLI", 1, grade_command(paths[:1], jobs=1)),
                ("one submission, in process", 1, grade_in_process(paths[:1])),
                (f"batch of {BATCH}, CLI --jobs 2", BATCH, grade_command(paths, jobs=2)),
                ("one sandboxed kernel: start and stop", 1, start_stop),
            ]
            rows, per_submission = [], {}
            for label, count, fn in cases:
                fn()  # warm the file cache and the import caches
                samples = seconds(fn, args.repeat)
                median = statistics.median(samples)
                per_submission[label] = median / count
                rows.append([label, fmt_time(median), fmt_time(median / count),
                             fmt_time(min(samples)), fmt_time(max(samples)), str(len(samples))])
        finally:
            sandbox.close()
    print(f"## Grading ({NAME}, 4 questions, sandbox level: {sandbox.level})\n")
    print(markdown_table(["case", "median", "per submission", "min", "max", "runs"], rows))
    for label in ("one submission, CLI", f"batch of {BATCH}, CLI --jobs 2"):
        verdict = "met" if per_submission[label] < GOAL_SECONDS else "not met"
        print(f"- {label}: {per_submission[label]:.2f} s per submission "
              f"(goal < {GOAL_SECONDS:g} s: {verdict}; nbgrader ~4.1 s, otter ~5 s)")


if __name__ == "__main__":
    main()
