"""Fixtures of the e2e tests: the stack under test (every service as a process) is shared by the package."""
from __future__ import annotations

from tests.chaos.stack_under_test import running_stack

__all__ = ["running_stack"]
