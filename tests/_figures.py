"""What the figure-recording fixtures of test_viz and test_demos share."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

# backprop.io's temporary for a save to NAME: .NAME.PID.XXXXXXXX.tmp in the target's folder
TEMPORARY = re.compile(r"\.(?P<name>.+)\.\d+\.[a-z0-9_]{8}\.tmp")


def saved_name(file: Any) -> str:
    """The name of the picture a ``Figure.savefig`` call writes. Every picture goes through
    ``backprop.io``'s atomic temporary file, so ``file`` is that open temporary; anything else
    (a plain path: a write that a crash could leave half done) fails the test."""
    name = getattr(file, "name", file)
    if isinstance(name, int):  # a file opened from a descriptor (os.fdopen): ask the kernel
        name = os.readlink(f"/proc/self/fd/{name}")
    written = Path(name).name
    match = TEMPORARY.fullmatch(written)
    assert match, f"{written!r} was not written through backprop.io's atomic temporary file"
    return match["name"]
