"""Graded exercises: ``assign`` writes the student version of an nbgrader-format source
notebook, ``grade`` runs submissions in a sandbox and compares the values their hidden
tests report with the solution's. See README.md here for the trust boundary.

Only ``check`` and ``grading_rng`` are imported here, because hidden tests import them
inside the student's kernel; the grader's modules are imported where they are used.
"""

from .checks import check, grading_rng

__all__ = ["check", "grading_rng"]
