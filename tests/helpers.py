"""Helpers shared by the tests (fixtures live in conftest.py)."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip with a reason that says how to get the missing part; under CI=true, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)
