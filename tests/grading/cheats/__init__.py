"""The cheating corpus: submissions that try to get credit they did not earn.

Each ``Cheat`` fills answer cells of a release notebook with wrong answers and a trick;
some also answer other questions correctly (``honest``), which is all they may earn, so
the corpus also shows that grading goes on after a trick kills or hangs a kernel.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cheat:
    name: str
    tricks: dict  # {answer grade_id: code}
    honest: tuple = ()  # answer grade_ids given the reference solution
    assignment: str = "01_scalar_outputs"
    slow: bool = False  # ends by timing out
    statuses: dict = field(default_factory=dict)  # {test grade_id: the status it must get}


def all_cheats():
    from . import disk, exits, fakes, patches, resources

    cheats = [c for m in (patches, fakes, disk, exits, resources) for c in m.CHEATS]
    names = [c.name for c in cheats]
    assert len(names) == len(set(names)), "cheat names must be unique"
    return cheats
