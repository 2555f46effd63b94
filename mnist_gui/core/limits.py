"""What this machine has, and the share of it a network or a training run may ask for (no torch, no Qt).

A value read from a file or typed by a person is checked against these before any work starts, so asking
for too much is one line naming the limit instead of an allocator's traceback half way through.
"""

from __future__ import annotations

import os
from pathlib import Path

# Training may plan on this share of memory: the rest is the OS, the app, PyTorch itself and MNIST.
USABLE_SHARE = 0.75
_CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")


def memory_bytes() -> int:
    """The memory this process can have: physical memory, or less where an address-space limit
    (RLIMIT_AS, `ulimit -v`) or the container's cgroup limit says so. 16 GiB when none can be read."""
    found = []
    try:
        found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        pass
    try:
        import resource
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append(soft)
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    try:
        text = _CGROUP_LIMIT.read_text().strip()
        if text.isdigit():
            found.append(int(text))
    except (OSError, ValueError):
        pass
    found = [n for n in found if n > 0]
    return min(found) if found else 16 * 2**30


def usable_bytes() -> int:
    """What one network and its training may use: USABLE_SHARE of memory_bytes()."""
    return int(memory_bytes() * USABLE_SHARE)


def size_text(n: float) -> str:
    """Bytes in words: '512 MiB', '17.2 GiB' (powers of 1,024, as `mnist-gui summary` counts weights)."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            v = n / scale
            return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.1f} {unit}"
    return f"{int(n)} bytes"


def limit_text() -> str:
    """The limit in words, for the end of a refusal: 'this machine lets a run use 17.2 GiB (three quarters
    of its 23.0 GiB)'."""
    return f"this machine lets a run use {size_text(usable_bytes())} (three quarters of its {size_text(memory_bytes())})"
