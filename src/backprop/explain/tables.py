"""Tables: the one renderer for every table the library prints, as text, Markdown or LaTeX.

``explain``'s graph and BP1-BP4 tables and the demos' tables all go through
:func:`render_table`; the callers decide what the cells say, this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["FORMATS", "check_format", "render_table"]

FORMATS = ("text", "markdown", "latex")

_MARKDOWN_RULE = {"l": "---", "r": "--:", "c": ":-:"}


def check_format(format: str) -> str:
    """``format`` if it is one of :data:`FORMATS`, else a ValueError naming the valid ones."""
    if format not in FORMATS:
        raise ValueError(
            f"unknown format {format!r}; valid formats: {', '.join(map(repr, FORMATS))}"
        )
    return format


def render_table(
    headers: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    format: str = "text",
    align: str = "",
    long: bool = False,
) -> str:
    """A table with one header row, in ``format`` ("text", "markdown" or "latex").

    ``align`` has one letter per column, "l", "r" or "c" (default: every column "l"); cells are
    written with ``str``.

    * text -- each column as wide as its widest cell, columns two spaces apart, the header above
      a rule of dashes, trailing spaces dropped.
    * markdown -- a pipe table; "|" in a cell is escaped and a line break becomes a space. Left
      columns get the plain rule ``---``, right ``--:``, centred ``:-:``.
    * latex -- a ``tabular`` with ``align`` as its column spec between two ``\\hline`` rules;
      with ``long``, a ``longtable`` (package longtable), centred, that breaks across pages and
      repeats its header on each. Cells are taken as LaTeX already: escape plain text with
      :func:`backprop.explain.format.latex_escape`.
    """
    check_format(format)
    align = align or "l" * len(headers)
    if len(align) != len(headers) or set(align) - set("lrc"):
        raise ValueError(f"align needs one of l, r, c per column ({len(headers)}); got {align!r}")
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    if format == "text":
        return _text(cells, align)
    if format == "markdown":
        return _markdown(cells, align)
    return _latex(cells, align, "longtable" if long else "tabular")


def _text(cells: list[list[str]], align: str) -> str:
    widths = [max(len(c) for c in col) for col in zip(*cells, strict=True)]
    pad = {"l": str.ljust, "r": str.rjust, "c": str.center}

    def line(row: list[str]) -> str:
        return "  ".join(pad[a](c, w) for c, w, a in zip(row, widths, align, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def _markdown(cells: list[list[str]], align: str) -> str:
    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", r"\|").replace("\n", " ") for c in row) + " |"

    rule = "|" + "|".join(_MARKDOWN_RULE[a] for a in align) + "|"
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def _latex(cells: list[list[str]], align: str, environment: str) -> str:
    out = [rf"\begin{{{environment}}}{{{align}}}", r"\hline", " & ".join(cells[0]) + r" \\",
           r"\hline"]  # fmt: skip
    if environment == "longtable":
        out.append(r"\endhead")  # the header and its rules again at the top of every page
    out += [" & ".join(r) + r" \\" for r in cells[1:]]
    out += [r"\hline", rf"\end{{{environment}}}"]
    return "\n".join(out)
