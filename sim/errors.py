"""The one exception type for mistakes a user can make in files and flags."""

from __future__ import annotations


class InputError(Exception):
    """Invalid input: one line per problem, each naming the file or flag, the field, what is
    wrong and what is allowed. The command line prints the lines and exits with status 2."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
