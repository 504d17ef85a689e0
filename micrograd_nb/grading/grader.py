"""Grade submissions of one assignment.

The graded notebook is rebuilt from the source: its cells, in its order, with the
submission's answer cells put in by ``grade_id`` (a missing one runs as the release
stub). It runs question by question in one kernel: a question's cells (its answer
cells, the given cells around them, its test cell) share a wall-time deadline. Before
a test cell the grader tells the kernel a fresh nonce and seed; the test cell's
``check()`` calls report values, which are compared with what the instructor's
solution reported for the same test cell and seed, in this process.

A question that times out or kills its kernel scores 0; the next one runs in a fresh
kernel, after the given and answer cells of the earlier questions are run again there
to rebuild their state (only the given cells of the ones that failed; never the test
cells, so grading time stays linear in the number of questions).

Scoring is all-or-nothing per question, as nbgrader scores a test cell: a question
passes when its test cell raised nothing and every check matched. To give partial
credit, split a question into several test cells, each with its own points.
"""

import secrets
import threading
import time
from dataclasses import dataclass, field

from .kernel import Kernel, KernelStartError
from .layouts import check_inside_student_folder
from .notebooks import CODE_STUB, GradingInputError, read_answers
from .reports import Unsupported, differences
from .results import QuestionResult, SubmissionResult

_START_PROBE = ("__import__('micrograd_nb.grading.checks', fromlist=['start_probe'])"
                ".start_probe({nonce!r}, {seed})")


@dataclass
class Outcome:
    """How a question's cells ran in a kernel."""

    status: str  # ok, timeout, died
    reports: list = field(default_factory=list)
    answer_error: str | None = None  # first error raised before the test cell
    test_error: str | None = None
    malformed: bool = False


class Grader:
    def __init__(self, assignment, sandbox, timeout, solution_slot):
        self.assignment = assignment
        self.sandbox = sandbox
        self.timeout = timeout
        self.solution_slot = solution_slot
        # Drawn now: no submission can know its test inputs before it is graded.
        self.seeds = {q.grade_id: secrets.randbits(63) for q in assignment.questions}
        # RLIMIT_CPU is a backstop for the wall-time limit: a kernel lives through
        # every question (and a replay), and never uses more than that.
        self.cpu_seconds = int(2 * timeout * (len(assignment.questions) + 1)) + 30
        self._expected = None
        self._expected_lock = threading.Lock()

    # --- the solution ------------------------------------------------------------------

    def expected(self):
        """{grade_id: [Report]} from the instructor's solution, computed once."""
        with self._expected_lock:
            if self._expected is None:
                self._expected = self._run_solution()
        if isinstance(self._expected, GradingInputError):
            raise self._expected
        return self._expected

    def _run_solution(self):
        source = self.assignment.path
        try:
            outcomes = self._run(self.assignment.solutions(), self.solution_slot)
        except KernelStartError as e:
            return GradingInputError(f"{source}: cannot run the solution: {e}")
        for q in self.assignment.questions:
            problem = _solution_problem(outcomes[q.grade_id])
            if problem:
                return GradingInputError(f"{source}: the solution fails {q.grade_id}: {problem}")
        return {q.grade_id: outcomes[q.grade_id].reports for q in self.assignment.questions}

    # --- a submission --------------------------------------------------------------------

    def grade(self, path, slot, identity=None):
        """The SubmissionResult of ``path``. Whatever goes wrong costs this submission
        only: it is then "not graded", with the reason and whose fault it is."""
        started = time.monotonic()
        result = SubmissionResult(str(path), str(self.assignment.path),
                                  self.assignment.max_score, **(identity or {}))
        try:
            self._grade(path, slot, result)
        except Exception as e:  # noqa: BLE001  (the grader's own failure, reported)
            result.fail(f"{path}: the grader failed ({type(e).__name__}: {e})", "instructor")
        result.seconds = time.monotonic() - started
        return result

    def _grade(self, path, slot, result):
        try:
            check_inside_student_folder(path)
            answers = read_answers(path, self.assignment)
        except GradingInputError as e:
            result.fail(str(e), "submission")
            return
        try:
            outcomes = self._run(answers, slot)
            expected = self.expected()
        except GradingInputError as e:
            result.fail(str(e), "instructor")
            return
        except KernelStartError as e:
            result.fail(f"{path}: {e}", "instructor")
            return
        for q in self.assignment.questions:
            missing = [i for i in q.answer_ids if i not in answers]
            status, message = self._judge(outcomes[q.grade_id], expected[q.grade_id], missing)
            score = q.points if status == "passed" else 0.0
            result.questions.append(QuestionResult(q.grade_id, score, q.points, status, message))

    def _judge(self, outcome, expected, missing):
        if missing:
            return "missing", f"answer cell {missing[0]} is not in the submission"
        if outcome.status == "timeout":
            return "timeout", f"took longer than {self.timeout:g} s"
        if outcome.status == "died":
            return "error", outcome.answer_error
        got = outcome.reports
        mismatch = None
        if len(got) != len(expected):
            mismatch = f"the test cell reported {len(got)} values, the solution {len(expected)}"
            if outcome.malformed:
                mismatch += " (some reports did not parse)"
        else:
            for i, (e, g) in enumerate(zip(expected, got), 1):
                mismatch = differences(e.value, g.value, e.rtol, e.atol, f"check {i}")
                if mismatch:
                    break
        if outcome.test_error is None and mismatch is None:
            return "passed", ""
        if outcome.answer_error:
            return "error", outcome.answer_error
        if outcome.test_error:
            if outcome.test_error.startswith("AssertionError"):
                return "failed", f"self-check failed: {outcome.test_error}"
            return "error", outcome.test_error
        return "failed", mismatch

    # --- running the rebuilt notebook ---------------------------------------------------

    def _run(self, answers, slot):
        """{grade_id: Outcome}, question by question, in as few kernels as possible."""
        outcomes, kernel = {}, None
        try:
            for q in self.assignment.questions:
                if kernel is None:
                    kernel = self._start_kernel(slot)
                    if not self._replay(kernel, outcomes, answers):
                        kernel.close()
                        kernel = None
                        outcomes[q.grade_id] = Outcome(
                            "died", answer_error="the kernel failed while the earlier "
                            "questions were run again in a fresh kernel")
                        continue
                outcomes[q.grade_id] = self._run_question(kernel, q, answers)
                if outcomes[q.grade_id].status != "ok":
                    kernel.close()
                    kernel = None
        finally:
            if kernel is not None:
                kernel.close()
        return outcomes

    def _start_kernel(self, slot):
        """A fresh kernel; a second try when the first did not come up (a start is
        before any student code runs, so its failure is the machine's: seen once in a
        while on a heavily loaded machine)."""
        try:
            return Kernel(self.sandbox, slot, self.cpu_seconds).start()
        except KernelStartError:
            return Kernel(self.sandbox, slot, self.cpu_seconds).start()

    def _run_question(self, kernel, question, answers):
        deadline = time.monotonic() + self.timeout
        outcome = Outcome("ok")
        for cell in question.cells:
            nonce = None
            is_test = cell.role == "test"
            if is_test:
                nonce = secrets.token_hex(16)
                seed = self.seeds[question.grade_id]
                start = kernel.run(_START_PROBE.format(nonce=nonce, seed=seed), deadline)
                if start.status in ("timeout", "died"):
                    return Outcome(start.status, answer_error=start.error)
            run = kernel.run(_code(cell, answers), deadline, nonce)
            if run.status in ("timeout", "died"):
                return Outcome(run.status, answer_error=run.error)
            if is_test:
                outcome.reports, outcome.malformed = run.reports, run.malformed
                outcome.test_error = run.error
            elif run.error and outcome.answer_error is None:
                outcome.answer_error = f"{cell.role} cell {cell.grade_id or ''}: {run.error}"
        return outcome

    def _replay(self, kernel, outcomes, answers):
        """Rebuild in a fresh kernel the state the earlier questions left: their given
        and answer cells, but only the given cells of those that timed out or killed the
        kernel. Test cells are not run again: they grade, and hold the costly work
        (running each earlier test again after each failure made grading time grow
        with the square of the question count); state a later question needs belongs
        in given or answer cells. The cells go in one batch, within one timeout."""
        codes = []
        for q in self.assignment.questions:
            if q.grade_id not in outcomes:
                continue
            failed = outcomes[q.grade_id].status != "ok"
            codes += [_code(cell, answers) for cell in q.cells
                      if cell.role == "given" or (cell.role == "answer" and not failed)]
        deadline = time.monotonic() + self.timeout
        return kernel.run_all(codes, deadline) == "ok"


def _solution_problem(outcome):
    """Why a question's run cannot serve as the expected values, or None."""
    if outcome.status != "ok":
        return f"it ended with {outcome.status}"
    if outcome.answer_error or outcome.test_error:
        return outcome.answer_error or outcome.test_error
    if outcome.malformed:
        return "a check() report did not parse"
    if not outcome.reports:
        return "no check() ran"
    for report in outcome.reports:
        if isinstance(report.value, Unsupported):
            return f"check() got a {report.value.type_name}, which it cannot compare"
    return None


def _code(cell, answers):
    """What runs for a cell of the rebuilt notebook: the submission's answer (the
    release stub when it has none), the source for every other cell."""
    return answers.get(cell.grade_id, CODE_STUB) if cell.role == "answer" else cell.source
