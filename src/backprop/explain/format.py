"""Numbers and arrays as text and as LaTeX: the one place that decides how a value is written.

Text: ``format_number(-8.0) == "-8"``, ``format_array([[1, 2]]) == "[[1, 2]]"``, large arrays
summarised by shape, min and max. LaTeX (math mode): ``latex_array`` writes a vector as a
transposed row ``(1,\\ 2)^\\top`` and a matrix as a ``bmatrix`` (amsmath, which beamer loads);
``latex_escape`` makes plain text safe outside math mode; ``latex_name`` writes a node's name.

Derivatives, in every format: :func:`partial` writes a local partial derivative ∂top/∂bottom
(the lecture's ∂f/∂d = z, seed 002), :func:`total_derivative` the total derivative dE/dv that the
backward pass sums over every path from v to the output E. Two symbols keep the two apart: for
f = x * x + x the local ∂f/∂x is 1, the total df/dx is 7.

LaTeX output is plain ASCII and needs one package, amsmath (for ``bmatrix``, ``align*``,
``\\text`` and ``\\tfrac``): :data:`LATEX_PREAMBLE` is the preamble a fragment needs and
:func:`latex_document` wraps a fragment into a complete article.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "format_array",
    "format_number",
    "latex_array",
    "latex_centered",
    "latex_escape",
    "latex_name",
    "LATEX_NEEDS",
    "LATEX_PREAMBLE",
    "latex_document",
    "latex_number",
    "latex_stack",
    "partial",
    "total_derivative",
]


def format_number(v: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, integers without a decimal point ("-8")."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    s = f"{v:.{digits}g}"
    return "0" if float(s) == 0 else s


def format_array(a: Any, digits: int = 4, max_elements: int = 32) -> str:
    """A scalar as a number, a small array as nested brackets, a large one as a summary."""
    a = np.asarray(a)
    if a.ndim == 0:
        return format_number(a, digits)
    if a.size > max_elements:
        shape = "×".join(str(n) for n in a.shape)
        if a.size == 0:
            return f"<{shape} array>"
        lo, hi = format_number(a.min(), digits), format_number(a.max(), digits)
        return f"<{shape} array, min {lo}, max {hi}>"
    return _nested(a, lambda v: format_number(v, digits), "[", "]", ", ")


def _nested(a: np.ndarray, fmt: Callable[[Any], str], left: str, right: str, sep: str) -> str:
    if a.ndim == 1:
        return left + sep.join(fmt(v) for v in a) + right
    return left + sep.join(_nested(row, fmt, left, right, sep) for row in a) + right


def latex_number(v: Any, digits: int) -> str:
    """A number in math mode: ``format_number``'s digits, ``1.5 \\times 10^{-7}``, ``\\infty``."""
    s = format_number(v, digits)
    if s in ("inf", "-inf", "nan"):
        return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[s]
    if "e" in s:
        mantissa, exponent = s.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return s


#: The most entries a LaTeX vector (a transposed row) or a matrix row shows, and the most rows of
#: a matrix: more do not fit a column of a table on an article page.
LATEX_MAX_COLUMNS = 3
LATEX_MAX_ROWS = 8


def latex_array(a: Any, digits: int, max_elements: int) -> str:
    """Math-mode LaTeX for a value: a number, a transposed row for a vector, a bmatrix; one with
    more than ``max_elements`` entries, more than LATEX_MAX_COLUMNS columns (a vector: entries)
    or more than LATEX_MAX_ROWS rows as its shape, min and max."""
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 1 and a.ndim == 1:
        return latex_number(a.reshape(()), digits)
    # Wider or taller than a page's table column takes: summarised as for too many elements.
    too_wide = a.shape[-1] > LATEX_MAX_COLUMNS if a.ndim > 1 else a.size > LATEX_MAX_COLUMNS
    if a.size > max_elements or too_wide or a.ndim > 1 and a.shape[0] > LATEX_MAX_ROWS:
        shape = r" \times ".join(str(n) for n in a.shape)
        lo, hi = latex_number(a.min(), digits), latex_number(a.max(), digits)
        return rf"{shape}\text{{: }} \min {lo},\ \max {hi}"
    if a.ndim == 1:
        return "(" + ",\\ ".join(latex_number(v, digits) for v in a) + r")^\top"
    if a.ndim == 2:
        rows = [" & ".join(latex_number(v, digits) for v in row) for row in a]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return _nested(a, lambda v: latex_number(v, digits), "[", "]", ",\\ ")


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_stack(lines: list[str]) -> str:
    """Table-cell LaTeX written on several lines (a one-column ``tabular`` without margins), so
    that a wide cell keeps the table within the page; a single line as it is."""
    if len(lines) == 1:
        return lines[0]
    return r"\begin{tabular}[t]{@{}l@{}}" + r" \\ ".join(lines) + r"\end{tabular}"


def latex_centered(table: str) -> str:
    """A ``tabular`` centred on the page in a small font (a table of matrices fits the width
    of an article page that way)."""
    return "\n".join([r"\begin{center}", r"\small", table, r"\end{center}"])


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text (``my_var`` -> ``my\\_var``)."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def latex_name(name: str) -> str:
    """A node name in math mode: single letters as they are, longer names upright."""
    if len(name) == 1 and name.isalpha():
        return name
    return r"\mathrm{" + latex_escape(name) + "}"


def partial(top: str, bottom: str, latex: bool = False, tag: str = "") -> str:
    """The local partial derivative of the node ``top`` by its operand ``bottom``: ``∂f/∂d``, or
    in LaTeX ``\\frac{\\partial f}{\\partial d}``. ``tag`` tells apart two uses of one node
    as operands (x * x: "left" and "right")."""
    if latex:
        symbol = rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"
        return symbol + (rf"\,(\text{{{tag}}})" if tag else "")
    return f"∂{top}/∂{bottom}" + (f" ({tag})" if tag else "")


def total_derivative(top: str, bottom: str, latex: bool = False) -> str:
    """The total derivative of ``top`` by ``bottom``, summed over every path between them:
    ``df/dx``, or in LaTeX ``\\frac{\\mathrm{d} f}{\\mathrm{d} x}``."""
    if latex:
        return rf"\frac{{\mathrm{{d}} {latex_name(top)}}}{{\mathrm{{d}} {latex_name(bottom)}}}"
    return f"d{top}/d{bottom}"


#: The preamble a LaTeX fragment of ``explain`` needs (after ``\\documentclass``).
LATEX_PREAMBLE = r"\usepackage{amsmath}"
#: The first line of every LaTeX fragment: a comment naming that preamble.
LATEX_NEEDS = f"% backprop explain: needs {LATEX_PREAMBLE} in the preamble"


def latex_document(body: str) -> str:
    """A complete LaTeX document (an article) around a fragment of ``explain``'s LaTeX output."""
    head = [r"\documentclass{article}", LATEX_PREAMBLE, r"\begin{document}"]
    return "\n".join([*head, body, r"\end{document}", ""])
