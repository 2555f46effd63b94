"""Where training and evaluation run: parse a device name, resolve it against what torch sees, name it.

    parse_device("cuda:1")  -> "cuda:1"           (syntax only; ValueError with one line otherwise)
    resolve_device("auto")  -> torch.device(...)   (CUDA, then MPS, then CPU; DeviceError if asked-for is absent)
    available_devices()     -> [DeviceInfo("cuda:0", "NVIDIA H100 80GB HBM3"), DeviceInfo("cpu", "…, CPU, 8 threads")]
    resolve_precision("auto", torch.device("cpu")) -> "bf16" on a CPU with bfloat16 instructions, else "fp32"

The device is where a run happens, not a training hyperparameter: it is not part of TrainConfig and
checkpoints never depend on it. torch is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mnist_gui.core.messages import Message, say

_SYNTAX = re.compile(r"(auto|cpu|mps|cuda(:\d+)?)")


class DeviceError(ValueError):
    """The asked-for device is not there; the message is one line and lists what is."""


@dataclass(frozen=True)
class DeviceInfo:
    id: str     # what resolve_device accepts: "cuda:0", "mps", "cpu"
    name: str   # the hardware, for people: "NVIDIA H100 80GB HBM3", "Apple M2 (MPS)", "CPU, 8 threads"
    # the name as a coded message where it has words to translate (the CPU's); None: the name is a proper name
    message: Message | None = field(default=None, compare=False)

    @property
    def shown(self) -> Message | str:
        return self.message or self.name


def parse_device(text) -> str:
    """The device text normalised ("CUDA:0 " -> "cuda:0"); ValueError with one line if it is not one."""
    t = str(text).strip().lower()
    if not _SYNTAX.fullmatch(t):
        raise ValueError(f"unknown device {str(text)!r}; choose from auto, cpu, cuda, cuda:N (N = 0, 1, …), mps")
    return t


def _cuda_count() -> int:
    import torch
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _mps_available() -> bool:
    import torch
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(text="auto"):
    """A torch.device for `text` (a string or a torch.device). `auto`: CUDA, then MPS, then CPU.

    Raises ValueError for bad syntax and DeviceError (a ValueError) for a device that is not there, e.g.
    "CUDA was asked for, but this torch sees no CUDA device; available: cpu".
    """
    import torch
    t = parse_device(text)
    n_cuda = _cuda_count()
    if t == "auto":
        if n_cuda:
            return torch.device("cuda", 0)
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if t == "cpu":
        return torch.device("cpu")
    if t == "mps":
        if not _mps_available():
            raise DeviceError(f"MPS was asked for, but this torch sees no MPS device; available: {_ids_text()}")
        return torch.device("mps")
    index = int(t.split(":")[1]) if ":" in t else 0
    if n_cuda == 0:
        raise DeviceError(f"CUDA was asked for, but this torch sees no CUDA device; available: {_ids_text()}")
    if index >= n_cuda:
        raise DeviceError(f"{t} was asked for, but this torch sees {n_cuda} CUDA device{'s' if n_cuda > 1 else ''}; "
                          f"available: {_ids_text()}")
    return torch.device("cuda", index)


PRECISIONS = ("auto", "fp32", "bf16")   # the precision field's choices (core/recipes.py FIELDS)
# CPU features (torch.cpu.get_capabilities) that compute bfloat16 products in hardware: AVX-512 BF16
# (AMD Zen 4 and later, Intel Cooper Lake and later), AMX (Intel Sapphire Rapids and later), Arm's BF16.
_CPU_BF16_FEATURES = ("avx512_bf16", "amx_bf16", "bf16", "sve_bf16")


def bf16_native(device) -> bool:
    """Whether `device` (a torch.device) multiplies bfloat16 in hardware, by torch's own checks: a CUDA
    device that torch.cuda.is_bf16_supported() accepts; a CPU whose oneDNN does bfloat16
    (torch.ops.mkldnn._is_mkldnn_bf16_supported) and that has one of _CPU_BF16_FEATURES in
    torch.cpu.get_capabilities(). (oneDNN also accepts plain AVX-512, where bfloat16 is emulated and
    slower than float32.) MPS: no."""
    import torch
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    caps = torch.cpu.get_capabilities()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and any(caps.get(k) for k in _CPU_BF16_FEATURES)


def resolve_precision(precision: str, device) -> str:
    """What a run or an evaluation computes in on `device`: "bf16" (bfloat16 autocast) or "fp32".
    "auto" is bf16 where the device has it natively (bf16_native), fp32 elsewhere; "fp32" and "bf16"
    are taken as they are (bf16 on a device without it is emulated: it works, slowly)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bf16" if bf16_native(device) else "fp32"
    return precision


def _ids_text() -> str:
    return ", ".join(d.id for d in available_devices())


def available_devices() -> list[DeviceInfo]:
    """Every device torch can run on here, accelerators first, the CPU last (always present)."""
    import torch
    out = [DeviceInfo(f"cuda:{i}", torch.cuda.get_device_name(i)) for i in range(_cuda_count())]
    if _mps_available():
        out.append(DeviceInfo("mps", f"{_apple_chip() or 'Apple silicon'} (MPS)"))
    threads = torch.get_num_threads()
    model = _cpu_model()
    cpu = say("cpu-name", model=model or "", threads=threads)
    out.append(DeviceInfo("cpu", str(cpu), cpu))
    return out


def device_name(device) -> str:
    """The hardware name of a device (a string or torch.device), e.g. for a benchmark's header."""
    d = str(resolve_device(device))
    d = "cuda:0" if d == "cuda" else d
    return next((i.name for i in available_devices() if i.id == d), d)


def _apple_chip() -> str | None:
    if sys.platform != "darwin":
        return None
    try:
        r = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None


def _cpu_model() -> str | None:
    """The CPU's model name without trademarks: "Intel Xeon @ 2.50GHz", "AMD EPYC", "Apple M2"."""
    name = _apple_chip()
    if name is None:
        try:
            text = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return None
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        name = m.group(1) if m else None
    if not name:
        return None
    name = re.sub(r"\((R|TM|r|tm)\)", "", name)
    name = re.sub(r"\bCPU\b", "", name)
    return re.sub(r"\s+", " ", name).strip() or None
