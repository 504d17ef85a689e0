"""The ``micrograd-nb run`` command (registered in cli.py's COMMAND_GROUPS)."""

import argparse


def register(commands):
    parser = commands.add_parser(
        "run", help="run a PyTorch script on micrograd_nb (import torch -> micrograd_nb)",
        description="Run SCRIPT as `python SCRIPT ARGS...` would, with `import torch` "
                    "(torch.nn, torch.optim, torch.autograd, ...) resolved to micrograd_nb.")
    parser.add_argument("script", help="the Python file to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    parser.set_defaults(run=_run)


def _run(args):
    from .run import run_script

    return run_script(args.script, args.args)
