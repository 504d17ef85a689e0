"""The cheating corpus, graded in one batch: no cheat gets a mark it did not earn, each
ends in bounded time, and the grader survives them all (a result for every one)."""

import os

import pytest

from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.sandbox import STUDENT_USER, processes_of

from .cheats import all_cheats
from .submissions import fill, points, solutions, source_path

CHEATS = all_cheats()
TIMEOUT = 5.0
JOBS = 2


def _earned(cheat):
    test_points = points(cheat.assignment)
    return sum(test_points[a.replace("_answer", "_test")] for a in cheat.honest)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cheats")
    paths = {}
    for cheat in CHEATS:
        answers = dict(cheat.tricks)
        reference = solutions(cheat.assignment)
        answers.update({a: reference[a] for a in cheat.honest})
        paths[cheat.name] = fill(cheat.assignment, answers,
                                 folder / f"{len(paths):02d}_{cheat.assignment}.ipynb")
    by_assignment = {}
    for cheat in CHEATS:
        by_assignment.setdefault(cheat.assignment, []).append(cheat)
    results = {}
    for name, cheats in by_assignment.items():
        graded = grade_batch([paths[c.name] for c in cheats], source_path(name), jobs=JOBS,
                             timeout=TIMEOUT, warn=lambda line: None)
        results.update({c.name: r for c, r in zip(cheats, graded)})
    # Bounded time is the timeouts' job; a wall-clock margin here held only on an idle
    # machine. That every cheat ends is shown by each getting its result.
    return results


@pytest.mark.parametrize("cheat", CHEATS, ids=[c.name for c in CHEATS])
def test_cheat_gets_no_credit_it_did_not_earn(graded, cheat):
    result = graded[cheat.name]
    assert result.error is None, result.error
    assert result.score == _earned(cheat), [(q.grade_id, q.status, q.message)
                                            for q in result.questions]
    statuses = {q.grade_id: q.status for q in result.questions}
    for grade_id, status in cheat.statuses.items():
        assert statuses[grade_id] == status


@pytest.mark.skipif(os.geteuid() != 0, reason="student users exist only when grading as root")
def test_no_student_process_outlives_grading(graded):
    import pwd


    uids = [u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith(STUDENT_USER)]
    assert uids
    assert [pid for uid in uids for pid in processes_of(uid)] == []
