"""The array module, behind one name, and the array routine the engines share.

Every engine file takes its array functions from ``xp`` here, so that a GPU array library with the
NumPy interface (CuPy) can slot in later by changing this one line.
"""

from typing import Any

import numpy as xp

__all__ = ["matmul_into_layout", "xp"]


def matmul_into_layout(a: Any, b: Any, like: Any) -> Any:
    """a @ b in a new array laid out in memory as ``like`` (column-major if ``like`` is).

    A weight gradient dC/dW = sum_x delta^x (a^x)^T in W's own layout lets the update
    W <- W - eta dC/dW run through both arrays in the same memory order.
    """
    column_major = like.flags.f_contiguous and not like.flags.c_contiguous
    return xp.matmul(a, b, order="F" if column_major else "C")
