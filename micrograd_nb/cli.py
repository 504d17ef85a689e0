"""The ``micrograd-nb`` command: a small dispatcher. Each command group registers its
subcommands (``register(subparsers)``, each setting ``run``); the work lives there."""

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version

from .compat import commands as compat_commands
from .grading import commands as grading_commands

COMMAND_GROUPS = (grading_commands.register, compat_commands.register)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="micrograd-nb", description="micrograd_nb's tools for teaching with notebooks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_GROUPS:
        register(commands)
    return parser


def _version():
    try:
        return version("micrograd_nb")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
