"""The array module, behind one name.

Every engine file takes its array functions from ``xp`` here, so that a GPU array library with the
NumPy interface (CuPy) can slot in later by changing this one line.
"""

import numpy as xp

__all__ = ["xp"]
