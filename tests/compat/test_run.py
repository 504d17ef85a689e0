"""``micrograd-nb run script.py [args]`` runs a script as ``python script.py`` would."""

import subprocess
import sys
import textwrap

import pytest


def run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "micrograd_nb.cli", "run", str(script), *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_argv_main_and_import_torch(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    done = run(tmp_path, """
        import sys
        import torch
        import helper  # the script's folder is on sys.path, as for python script.py
        print(__name__, sys.argv[1:], helper.VALUE, type(torch.ones(1)))
        """, "--lr", "0.1", "x")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "__main__ ['--lr', '0.1', 'x'] 42 <class 'micrograd_nb.Tensor'>\n"


@pytest.mark.parametrize("ending, code, stderr", [
    ("pass", 0, ""),
    ("sys.exit(3)", 3, ""),
    ("sys.exit()", 0, ""),
    ("sys.exit('bad input')", 1, "bad input\n"),
])
def test_exit_codes(tmp_path, ending, code, stderr):
    done = run(tmp_path, f"import sys\n{ending}\n")
    assert (done.returncode, done.stderr) == (code, stderr)


def test_traceback_starts_in_the_script(tmp_path):
    done = run(tmp_path, """
        import torch

        def train():
            x = torch.ones(3, requires_grad=True)
            (x * 2).backward()

        train()
        """)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith('script.py", line 8, in <module>')
    assert "runpy" not in done.stderr and "cli.py" not in done.stderr
    assert lines[-1] == "RuntimeError: grad can be implicitly created only for scalar outputs"


def test_missing_name_error_points_at_the_users_line(tmp_path):
    done = run(tmp_path, """
        import torch
        spectrum = torch.fft.fft(torch.ones(4))
        """)
    assert done.returncode == 1
    assert 'script.py", line 3, in <module>' in done.stderr
    assert "compat" not in done.stderr.replace("micrograd_nb.compat.missing.", "")
    assert "micrograd_nb does not implement torch.fft (fast Fourier transforms)" in done.stderr


def test_help_lists_the_command():
    done = subprocess.run([sys.executable, "-m", "micrograd_nb.cli", "--help"],
                          capture_output=True, text=True)
    assert "run" in done.stdout and "grade" in done.stdout
