"""Shared fixtures. ``torch`` is optional: tests that compare against it skip without
it, unless MICROGRAD_NB_REQUIRE_TORCH=1 (set by CI), where a missing torch fails."""

import os

import pytest


def _import_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("MICROGRAD_NB_REQUIRE_TORCH") == "1":
            pytest.fail("torch is required here (MICROGRAD_NB_REQUIRE_TORCH=1) but is not "
                        "importable")
        pytest.skip("torch is not installed: pip install torch==2.13.0 (CPU)")
    torch.set_num_threads(1)
    return torch


@pytest.fixture(scope="session")
def torch():
    return _import_torch()
