"""``micrograd-nb run script.py [args]``: run a PyTorch script on micrograd_nb as
``python script.py [args]`` would run it: the same ``sys.argv``, ``__main__``,
``sys.path[0]``, exit code and traceback (without our frames)."""

import os
import runpy
import sys
import traceback

from .engine import install, uninstall


def run_script(path, args=()):
    """Run ``path`` with ``import torch`` resolved to micrograd_nb; returns the exit code."""
    path = os.fspath(path)
    saved_argv, saved_path = sys.argv, sys.path[:]
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    install()
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as exit_:
        return _exit_code(exit_)
    except BaseException as error:
        _print_from_script(error, path)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    finally:
        uninstall()
        sys.argv, sys.path[:] = saved_argv, saved_path
    return 0


def _exit_code(exit_):
    """What the interpreter makes of ``sys.exit(code)``."""
    code = exit_.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _print_from_script(error, path):
    """The traceback Python prints, starting at the script's own frame."""
    script = os.path.abspath(path)
    tb = error.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    tb = tb or error.__traceback__
    _drop_trailing_compat_frames(tb)
    traceback.print_exception(type(error), error, tb)


def _drop_trailing_compat_frames(tb):
    """The frame that raised a missing-name error is ours, not the user's: end there."""
    here = os.path.dirname(os.path.abspath(__file__))
    last_outside = tb
    while tb is not None:
        if not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(here + os.sep):
            last_outside = tb
        tb = tb.tb_next
    last_outside.tb_next = None
