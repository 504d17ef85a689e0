"""Grading speed and memory: seconds per submission of an exercise notebook, for 1
submission and for 50 with ``--jobs 2``, against ``nbgrader autograde`` on the same
notebooks in the same run; the grader's peak memory; and grading time against the
question count when questions kill their kernel (it must stay linear).

    .venv/bin/python benchmarks/grading.py [--repeat 3] [--batch 50]

Each submission is the reference solution of exercises/source/01_scalar_outputs.ipynb
put into its release notebook, so every check runs and passes. Our rows time the whole
``micrograd-nb grade`` command (interpreter start, imports, the solution's run, which
overlaps the submissions'); nbgrader's time ``nbgrader autograde`` on a course holding
the same notebooks (it runs one submission at a time; it has no --jobs). nbgrader
gives these notebooks 0 (check() fails loudly outside micrograd-nb grade), which costs
it no time. Peak memory is the grader process's own maximum resident set (its kernels
are separate processes), from wait4.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import fmt_time, markdown_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NAME = "01_scalar_outputs"
SOURCE = ROOT / "exercises" / "source" / f"{NAME}.ipynb"
RELEASE = ROOT / "exercises" / "release" / f"{NAME}.ipynb"
NBGRADER = Path(sys.executable).with_name("nbgrader")


def write_course(folder, count):
    """An nbgrader course with ``count`` students who each submitted the reference
    answers; the submissions' paths."""
    from micrograd_nb.grading.notebooks import Assignment, nbgrader_metadata

    answers = Assignment.load(SOURCE).solutions()
    notebook = json.loads(RELEASE.read_text())
    for cell in notebook["cells"]:
        grade_id = nbgrader_metadata(cell).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    course = Path(folder)
    (course / "source" / "ps1").mkdir(parents=True)
    shutil.copy(SOURCE, course / "source" / "ps1" / SOURCE.name)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n")
    paths = []
    for i in range(count):
        path = course / "submitted" / f"student{i:02d}" / "ps1" / SOURCE.name
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(notebook))
        paths.append(path)
    return course, paths


def grade_command(paths, jobs, expected_score="8 / 8"):
    command = [sys.executable, "-m", "micrograd_nb.cli", "grade", *map(str, paths),
               "--assignment", str(SOURCE), "--jobs", str(jobs)]

    def run():
        seconds, out, peak = _run_measured(command)
        if out.decode().count(expected_score) != len(paths):
            raise RuntimeError(f"grading failed:\n{out.decode()[-2000:]}")
        return seconds, peak
    return run


def nbgrader_command(course, students):
    """``nbgrader autograde ps1`` for ``students`` (fresh autograded/ each time)."""
    env = {**os.environ, "PATH": f"{NBGRADER.parent}:{os.environ.get('PATH', '')}"}
    subprocess.run([str(NBGRADER), "generate_assignment", "ps1", "--force", "--create"],
                   cwd=course, env=env, capture_output=True, check=True)
    command = [str(NBGRADER), "autograde", "ps1", "--create", "--force"]
    if students:
        command += [f"--student={','.join(students)}"]

    def run():
        shutil.rmtree(Path(course) / "autograded", ignore_errors=True)
        seconds, _, peak = _run_measured(command, cwd=course, env=env)
        return seconds, peak
    return run


def _run_measured(command, cwd=ROOT, env=None):
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{out.decode()[-2000:]}")
    return seconds, out, usage.ru_maxrss / 1024  # KiB on Linux


def question_count_rows(folder, counts=(3, 6, 12), work=3_000_000, python_path=None):
    """Grading time of one submission whose even-numbered answers kill the kernel, so
    each of those questions needs a fresh kernel and a replay; each hidden test does
    ``work`` steps (a test cell that costs something, as real ones do). ``python_path``
    grades with another checkout of the package (an older grader, for comparison)."""
    sys.path.insert(0, str(ROOT / "tests" / "grading"))
    from generated import write_assignment, write_submission

    Path(folder).mkdir(parents=True, exist_ok=True)
    rows, times = [], {}
    for n in counts:
        source = write_assignment(folder, n, work=work)
        submission = write_submission(source, Path(folder) / f"s{n}.ipynb",
                                      dying=set(range(2, n + 1, 2)))
        command = [sys.executable, "-m", "micrograd_nb.cli", "grade", str(submission),
                   "--assignment", str(source), "--timeout", "60"]
        env = {**os.environ, "PYTHONPATH": python_path} if python_path else None
        seconds, _, _ = _run_measured(command, env=env)
        times[n] = seconds
        rows.append([str(n), str(n // 2), fmt_time(seconds), fmt_time(seconds / n),
                     f"{seconds / times[counts[0]]:.2f}", f"{n / counts[0]:.2f}"])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="samples per case")
    parser.add_argument("--batch", type=int, default=50, help="submissions in the batch")
    parser.add_argument("--batch-repeat", type=int, default=1,
                        help="samples per batch case (after the 1-submission cases warmed "
                             "the caches)")
    parser.add_argument("--no-nbgrader", action="store_true")
    args = parser.parse_args(argv)
    with_nbgrader = NBGRADER.exists() and not args.no_nbgrader
    with tempfile.TemporaryDirectory() as folder:
        course, paths = write_course(Path(folder) / "course", args.batch)
        cases = [("micrograd-nb grade, 1 submission", 1, grade_command(paths[:1], 1)),
                 (f"micrograd-nb grade, {args.batch} submissions, --jobs 2", args.batch,
                  grade_command(paths, 2))]
        if with_nbgrader:
            cases += [("nbgrader autograde, 1 submission", 1,
                       nbgrader_command(course, ["student00"])),
                      (f"nbgrader autograde, {args.batch} submissions", args.batch,
                       nbgrader_command(course, []))]
        rows, per = [], {}
        for label, count, fn in cases:
            if count == 1:
                fn()  # warm the file cache and the import caches
            samples = [fn() for _ in range(args.repeat if count == 1 else args.batch_repeat)]
            median = statistics.median(s for s, _ in samples)
            per[label] = median / count
            peak = max(p for _, p in samples)
            rows.append([label, fmt_time(median), fmt_time(median / count),
                         f"{peak:.0f} MiB", str(len(samples))])
        from micrograd_nb.grading.notebooks import Assignment

        questions = len(Assignment.load(SOURCE).questions)
        print(f"## Grading ({NAME}, {questions} questions)\n")
        print(markdown_table(["case", "median", "per submission", "peak memory (grader)",
                              "runs"], rows))
        if with_nbgrader:
            print()
            for ours, theirs in ((cases[0][0], cases[2][0]), (cases[1][0], cases[3][0])):
                print(f"- {theirs} / {ours}: {per[theirs] / per[ours]:.2f}x per submission")
        print("\n## Grading time against the question count (every other answer kills "
              "its kernel)\n")
        print(markdown_table(["questions", "kernels killed", "time", "per question",
                              "time ratio", "count ratio"],
                             question_count_rows(Path(folder) / "generated")))


if __name__ == "__main__":
    main()
