"""Grade a batch: submissions of one or more assignments, ``jobs`` at a time.

Each assignment's solution runs once, in its own slot, while the first submissions
are already running; each worker holds one slot (one unprivileged user) at a time.
"""

import queue
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grader import Grader
from .layouts import default_assignment, identity
from .notebooks import Assignment, GradingInputError
from .results import SubmissionResult
from .sandbox import Sandbox


def grade_batch(submissions, assignment=None, jobs=1, timeout=30.0, progress=False,
                warn=lambda line: print(line, file=sys.stderr), about=None):
    """A SubmissionResult per submission, in order. ``assignment`` is a source notebook
    path, or None for each submission's default. The sandbox's description (which
    level and limits ran) goes to ``warn`` and into the dict ``about``, if given."""
    sources = [Path(assignment) if assignment else default_assignment(s) for s in submissions]
    loaded = {}
    for source in dict.fromkeys(sources):
        try:
            loaded[source] = Assignment.load(source)
        except GradingInputError as e:
            loaded[source] = e
    sandbox = Sandbox(slots=jobs + 1)
    try:
        description = sandbox.describe()
        if about is not None:
            about.update(description)
        warn(description["note"])
        for line in sandbox.warnings([s for s, a in loaded.items() if isinstance(a, Assignment)]):
            warn(line)
        graders = {s: Grader(a, sandbox, timeout, solution_slot=jobs)
                   for s, a in loaded.items() if isinstance(a, Assignment)}
        with ThreadPoolExecutor(max_workers=1) as solutions:
            for grader in graders.values():
                solutions.submit(_quietly, grader.expected)
            return _grade_all(submissions, sources, loaded, graders, jobs, progress)
    finally:
        sandbox.close()


def _quietly(function):
    try:
        function()
    except Exception:  # noqa: BLE001
        pass  # reported with each submission of that assignment


def _grade_all(submissions, sources, loaded, graders, jobs, progress):
    from tqdm import tqdm


    slots = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def grade_one(submission, source):
        if source not in graders:
            error = loaded[source]
            if not Path(source).exists():
                error = f"{source}: no such assignment (give it with --assignment)"
            return SubmissionResult(str(submission), str(source), 0.0, error=str(error),
                                    fault="instructor", **identity(submission, source))
        slot = slots.get()
        try:
            return graders[source].grade(submission, slot, identity(submission, source))
        finally:
            slots.put(slot)

    bar = tqdm(total=len(submissions), unit="submission", file=sys.stderr,
               disable=not progress)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(grade_one, s, src) for s, src in zip(submissions, sources)]
        for future in futures:
            future.add_done_callback(lambda _: bar.update())
        results = [f.result() for f in futures]
    bar.close()
    return results
