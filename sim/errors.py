"""The one exception type for mistakes a user can make in files and flags."""

from __future__ import annotations


class InputError(Exception):
    """Invalid input: one line per problem, each naming the file or flag, the field, what is
    wrong and what is allowed. The command line prints the lines and exits with status 2.

    Characters that would break a line (a newline or a control character in a key someone
    typed) are shown escaped, so each problem stays on one line.
    """

    def __init__(self, problems: list[str] | str) -> None:
        lines = [problems] if isinstance(problems, str) else list(problems)
        self.problems = [one_line(line) for line in lines]
        super().__init__("\n".join(self.problems))


def one_line(text: str) -> str:
    """``text`` with unprintable characters escaped (``\\n``, ``\\x00``, …)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


class WriteError(Exception):
    """Results could not be written (a full disk, no permission). What was already written
    is whole and kept; the command line prints the one line and exits with status 1."""
