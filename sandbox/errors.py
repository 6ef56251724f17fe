"""The refusals of the command line: a Portuguese message and an exit code, no traceback."""
from __future__ import annotations


class StartupError(Exception):
    """The local stack cannot start (or a command cannot run) for a reason the user can fix."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
