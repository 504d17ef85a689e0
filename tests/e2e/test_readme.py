"""The README a participant reads first: its two commands open it, workshop first; it
lists every lesson; its picture is in the repository."""

import re

from .support import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_opens_with_the_two_commands():
    blocks = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
    assert blocks[:2] == [("bash", "bash scripts/workshop.sh\n"),
                          ("bash", "bash scripts/test.sh\n")]
    # nothing but the title and a sentence before the first one
    assert README.index("```") < README.index("\n## ")


def test_lists_every_lesson():
    listed = set(re.findall(r"^\| `(\d\d_\w+\.ipynb)` \|", README, re.M))
    lessons = {path.name for path in (REPO / "notebooks").glob("*.ipynb")}
    assert lessons <= listed, f"lessons missing from the README: {sorted(lessons - listed)}"
    assert listed <= lessons, f"the README lists missing lessons: {sorted(listed - lessons)}"


def test_picture_of_a_stepped_pass():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/stepped_pass.png" in pictures
    png = (REPO / "docs" / "stepped_pass.png").read_bytes()
    assert png.startswith(b"\x89PNG") and 10_000 < len(png) < 500_000
