"""Numbers and arrays as text and as LaTeX: the one place that decides how a value is written.

Text: ``format_number(-8.0) == "-8"``, ``format_array([[1, 2]]) == "[[1, 2]]"``, large arrays
summarised by shape, min and max. LaTeX (math mode): ``latex_array`` writes a vector as a
transposed row ``(1,\\ 2)^\\top`` and a matrix as a ``bmatrix`` (amsmath, which beamer loads);
``latex_escape`` makes plain text safe outside math mode; ``latex_name`` and ``latex_partial``
write a node's name and the partial derivative d top / d bottom.
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
    "latex_escape",
    "latex_name",
    "latex_number",
    "latex_partial",
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


def latex_array(a: Any, digits: int, max_elements: int) -> str:
    """Math-mode LaTeX for a value: a number, a transposed row for a vector, a bmatrix."""
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 1 and a.ndim == 1:
        return latex_number(a.reshape(()), digits)
    if a.size > max_elements:
        shape = r" \times ".join(str(n) for n in a.shape)
        lo, hi = latex_number(a.min(), digits), latex_number(a.max(), digits)
        return rf"\text{{{shape} array, min }} {lo} \text{{, max }} {hi}"
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


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text (``my_var`` -> ``my\\_var``)."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def latex_name(name: str) -> str:
    """A node name in math mode: single letters as they are, longer names upright."""
    if len(name) == 1 and name.isalpha():
        return name
    return r"\mathrm{" + latex_escape(name) + "}"


def latex_partial(top: str, bottom: str) -> str:
    """The partial derivative of the node ``top`` by the node ``bottom``, as a fraction."""
    return rf"\frac{{\partial {latex_name(top)}}}{{\partial {latex_name(bottom)}}}"
