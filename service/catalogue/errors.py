"""What a refused catalogue file raises: one error for the parser, the bundled editions, the
error handlers and the CLI."""

from __future__ import annotations


class CatalogueError(Exception):
    """A catalogue file is unreadable or does not match the expected shape.

    The message (Japanese: it reaches the liaison desk's upload page and the CLI) names the
    file, then where the problem is, e.g. ``fisc-2019.03.yaml: 通番12: 項目 'objective' が空です``;
    the YAML keys stay as written since they name keys in the file.
    """

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file = file
        self.where = where
        self.problem = problem
        super().__init__(": ".join(part for part in (file, where, problem) if part))
