import pytest


@pytest.fixture(scope="session")
def ip():
    """A real IPython shell, as in a notebook kernel."""
    from IPython.testing.globalipapp import get_ipython, start_ipython

    # start_ipython() starts the one global shell and returns None when called again (by
    # another test folder importing this fixture): then it is the running shell.
    return start_ipython() or get_ipython()


@pytest.fixture
def loaded(ip):
    """The shell with ``%load_ext micrograd_nb``; unloaded again afterwards."""
    ip.run_line_magic("load_ext", "micrograd_nb")
    ip.run_cell("import micrograd_nb as mg")
    yield ip
    ip.run_line_magic("unload_ext", "micrograd_nb")


def run(ip, cell):
    """Run a cell; return (result, captured displays)."""
    from IPython.utils.capture import capture_output

    with capture_output() as captured:
        result = ip.run_cell(cell)
    return result, captured
