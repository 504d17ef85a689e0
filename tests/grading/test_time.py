"""Grading time stays linear in the number of questions: after a question kills its
kernel, the fresh kernel gets the earlier given and answer cells again (cheap
definitions), never the earlier test cells (the costly grading work). Counted, not
timed: each test cell runs exactly once per graded notebook, whatever fails."""

import collections

import pytest

from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.kernel import Kernel

from .generated import write_assignment, write_submission

QUESTIONS = 12


@pytest.fixture
def executed(monkeypatch):
    """Every cell source sent to a kernel, counted."""
    counts = collections.Counter()
    run, run_all = Kernel.run, Kernel.run_all

    def counting_run(self, code, deadline, nonce=None):
        counts[code] += 1
        return run(self, code, deadline, nonce)

    def counting_run_all(self, codes, deadline):
        counts.update(codes)
        return run_all(self, codes, deadline)

    monkeypatch.setattr(Kernel, "run", counting_run)
    monkeypatch.setattr(Kernel, "run_all", counting_run_all)
    return counts


@pytest.mark.parametrize("dying", [range(2, QUESTIONS + 1, 2), range(7, QUESTIONS + 1)],
                         ids=["every other question dies", "the second half dies"])
def test_each_test_cell_runs_once_whatever_fails(tmp_path, executed, dying):
    source = write_assignment(tmp_path, QUESTIONS, work=10)
    submission = write_submission(source, tmp_path / "s.ipynb", dying=set(dying))
    [result] = grade_batch([submission], source, timeout=30, warn=lambda line: None)
    assert result.error is None, result.error
    statuses = [q.status for q in result.questions]
    assert statuses == ["error" if k in dying else "passed" for k in range(1, QUESTIONS + 1)]
    tests = [code for code in executed if "BEGIN HIDDEN TESTS" in code]
    assert len(tests) == QUESTIONS
    for k in range(1, QUESTIONS + 1):
        [code] = [c for c in tests if f"assert f{k}(1.0)" in c]
        # once for the solution's run, once for the submission's unless its answer died
        assert executed[code] == (1 if k in dying else 2), (k, executed[code])
