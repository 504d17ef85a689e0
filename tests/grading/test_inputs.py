"""Only the submission is read, and only as a regular file: links (to the source, to
/dev/stdin, out of the student's folder), FIFOs, devices, folders, hard links to the
source and oversized files are refused without being read, and the batch goes on."""

import json
import os
import shutil

import pytest

from micrograd_nb.grading import notebooks
from micrograd_nb.grading.batch import grade_batch
from micrograd_nb.grading.layouts import check_inside_student_folder
from micrograd_nb.grading.notebooks import Assignment, GradingInputError, read_answers

from .submissions import RELEASES, fill, solutions, source_path
from .unprivileged import as_nobody, needs_root_to_drop, shared_folder

NAME = "01_scalar_outputs"


def _bad_files(folder):
    """{name: (path, words of the refusal)}: each kind of file that is not a plain
    notebook of the student's own."""
    source = source_path(NAME)
    folder.mkdir(parents=True, exist_ok=True)
    made = {}

    def link(name, target):
        os.symlink(target, folder / name)
        made[name] = "symbolic link"

    link("to_source.ipynb", source)
    link("to_stdin.ipynb", "/dev/stdin")
    link("to_zero.ipynb", "/dev/zero")
    link("dangling.ipynb", folder / "nothing-here")
    relative_target = os.path.relpath(source, folder)
    link("relative_to_source.ipynb", relative_target)
    os.mkfifo(folder / "fifo.ipynb")
    made["fifo.ipynb"] = "not a regular file"
    (folder / "folder.ipynb").mkdir()
    made["folder.ipynb"] = "not a regular file"
    try:
        os.link(source, folder / "hard_link.ipynb")
        made["hard_link.ipynb"] = "source notebook itself"
    except OSError:  # another filesystem
        pass
    with open(folder / "huge.ipynb", "wb") as f:
        f.truncate(notebooks.MAX_SUBMISSION_BYTES + 1)
    made["huge.ipynb"] = "larger than"
    return {name: (folder / name, words) for name, words in made.items()}


def test_each_kind_of_non_regular_file_is_refused_unread(tmp_path):
    assignment = Assignment.load(source_path(NAME))
    for name, (path, words) in _bad_files(tmp_path).items():
        with pytest.raises(GradingInputError, match=words) as caught:
            read_answers(path, assignment)
        assert str(path) in str(caught.value), name
    plain = read_answers(fill(NAME, {}, tmp_path / "plain.ipynb"), assignment)
    assert set(plain) == assignment.answer_ids


def test_the_source_itself_is_refused_but_a_copy_is_graded(tmp_path):
    assignment = Assignment.load(source_path(NAME))
    with pytest.raises(GradingInputError, match="source notebook itself"):
        read_answers(source_path(NAME), assignment)
    shutil.copy(source_path(NAME), tmp_path / "copy.ipynb")
    assert read_answers(tmp_path / "copy.ipynb", assignment) == solutions(NAME)


def test_a_folder_link_out_of_the_students_folder_is_refused(tmp_path):
    """nbgrader's layout: submitted/<student>/<assignment>/ must not lead elsewhere."""
    course = tmp_path / "course"
    (course / "submitted" / "mallory").mkdir(parents=True)
    os.symlink(source_path(NAME).parent, course / "submitted" / "mallory" / "ps1")
    with pytest.raises(GradingInputError, match="out of the student's folder"):
        check_inside_student_folder(course / "submitted" / "mallory" / "ps1" / f"{NAME}.ipynb")
    honest = course / "submitted" / "alice" / "ps1"
    honest.mkdir(parents=True)
    check_inside_student_folder(fill(NAME, {}, honest / f"{NAME}.ipynb"))


def test_a_batch_of_bad_files_never_blocks_and_loses_no_grade(tmp_path):
    bad = _bad_files(tmp_path / "bad")
    honest = fill(NAME, solutions(NAME), tmp_path / "honest.ipynb")
    paths = [p for p, _ in bad.values()] + [honest]
    results = grade_batch(paths, source_path(NAME), jobs=2, timeout=10,
                          warn=lambda line: None)
    *refused, graded = results
    assert graded.error is None and graded.score == graded.max_score == 10
    for result, (_, words) in zip(refused, bad.values()):
        assert result.fault == "submission" and words in result.error
        assert result.score == 0 and result.questions == []


@needs_root_to_drop
def test_the_same_refusals_as_an_unprivileged_user():
    folder = shared_folder()
    try:
        bad = _bad_files(folder / "bad")
        shutil.copy(RELEASES / f"{NAME}.ipynb", folder / "plain.ipynb")
        script = folder / "read.py"
        script.write_text(
            "import json, sys\n"
            "from micrograd_nb.grading.notebooks import Assignment, GradingInputError, "
            "read_answers\n"
            f"a = Assignment.load({str(source_path(NAME))!r})\n"
            "out = {}\n"
            "for path in sys.argv[1:]:\n"
            "    try:\n        out[path] = read_answers(path, a)\n"
            "    except GradingInputError as e:\n        out[path] = str(e)\n"
            "print(json.dumps(out))\n")
        paths = [str(p) for p, _ in bad.values()] + [str(folder / "plain.ipynb")]
        done = as_nobody([script, *paths])
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        for path, words in bad.values():
            assert words in out[str(path)], out[str(path)]
        assert set(out[str(folder / "plain.ipynb")]) == Assignment.load(
            source_path(NAME)).answer_ids
    finally:
        shutil.rmtree(folder)
