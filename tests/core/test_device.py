import json

import pytest
import torch

from mnist_gui.core import device as devmod
from mnist_gui.core.device import DeviceError, DeviceInfo, available_devices, parse_device, resolve_device
from tests.conftest import run_cli

HAS_CUDA = torch.cuda.is_available()


@pytest.mark.parametrize("text, want", [("auto", "auto"), ("cpu", "cpu"), ("cuda", "cuda"), ("cuda:0", "cuda:0"),
                                        ("cuda:12", "cuda:12"), ("mps", "mps"), (" CUDA:1 ", "cuda:1")])
def test_parse_good(text, want):
    assert parse_device(text) == want


@pytest.mark.parametrize("text", ["", "gpu", "cuda:", "cuda:-1", "cuda:x", "cpu:0", "tpu", "cuda0", "mps:0"])
def test_parse_bad_is_one_line(text):
    with pytest.raises(ValueError) as e:
        parse_device(text)
    msg = str(e.value)
    assert "\n" not in msg and "unknown device" in msg and "cuda:N" in msg


def _fake(monkeypatch, cuda: int = 0, mps: bool = False, names=("NVIDIA H100 80GB HBM3", "NVIDIA L4")):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: names[i])
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 8)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    _fake(monkeypatch, cuda=2, mps=True)
    assert resolve_device("auto") == torch.device("cuda", 0)
    _fake(monkeypatch, cuda=0, mps=True)
    assert resolve_device("auto") == torch.device("mps")
    _fake(monkeypatch, cuda=0, mps=False)
    assert resolve_device("auto") == torch.device("cpu")


def test_explicit_devices(monkeypatch):
    _fake(monkeypatch, cuda=2)
    assert resolve_device("cuda") == torch.device("cuda", 0)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    assert resolve_device(torch.device("cuda", 1)) == torch.device("cuda", 1)
    assert resolve_device("cpu") == torch.device("cpu")


def test_missing_cuda_is_one_line_listing_what_is_there(monkeypatch):
    _fake(monkeypatch, cuda=0)
    with pytest.raises(DeviceError) as e:
        resolve_device("cuda")
    assert str(e.value) == "CUDA was asked for, but this torch sees no CUDA device; available: cpu"
    assert isinstance(e.value, ValueError)
    _fake(monkeypatch, cuda=0, mps=True)
    with pytest.raises(DeviceError) as e:
        resolve_device("cuda:0")
    assert str(e.value) == "CUDA was asked for, but this torch sees no CUDA device; available: mps, cpu"


def test_cuda_index_beyond_the_devices(monkeypatch):
    _fake(monkeypatch, cuda=1)
    with pytest.raises(DeviceError) as e:
        resolve_device("cuda:3")
    assert str(e.value) == "cuda:3 was asked for, but this torch sees 1 CUDA device; available: cuda:0, cpu"


def test_missing_mps(monkeypatch):
    _fake(monkeypatch, cuda=1)
    with pytest.raises(DeviceError) as e:
        resolve_device("mps")
    assert str(e.value) == "MPS was asked for, but this torch sees no MPS device; available: cuda:0, cpu"


def test_available_devices_name_the_hardware(monkeypatch):
    _fake(monkeypatch, cuda=2, mps=False)
    monkeypatch.setattr(devmod, "_cpu_model", lambda: "Intel Xeon @ 2.50GHz")
    assert available_devices() == [DeviceInfo("cuda:0", "NVIDIA H100 80GB HBM3"), DeviceInfo("cuda:1", "NVIDIA L4"),
                                   DeviceInfo("cpu", "Intel Xeon @ 2.50GHz, CPU, 8 threads")]
    monkeypatch.setattr(devmod, "_cpu_model", lambda: None)
    assert available_devices()[-1] == DeviceInfo("cpu", "CPU, 8 threads")


def test_mps_named_after_the_chip(monkeypatch):
    _fake(monkeypatch, cuda=0, mps=True)
    monkeypatch.setattr(devmod, "_apple_chip", lambda: "Apple M2")
    assert available_devices()[0] == DeviceInfo("mps", "Apple M2 (MPS)")
    monkeypatch.setattr(devmod, "_apple_chip", lambda: None)
    assert available_devices()[0] == DeviceInfo("mps", "Apple silicon (MPS)")


def test_cpu_model_name_is_cleaned(monkeypatch, tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.50GHz\nflags\t: fpu\n")
    real = devmod.Path
    monkeypatch.setattr(devmod, "Path", lambda p: info if p == "/proc/cpuinfo" else real(p))
    monkeypatch.setattr(devmod.sys, "platform", "linux")
    assert devmod._cpu_model() == "Intel Xeon @ 2.50GHz"


def test_the_real_machine_has_a_cpu():
    devs = available_devices()
    assert devs[-1].id == "cpu" and "CPU" in devs[-1].name
    assert resolve_device("auto").type in {d.id.split(":")[0] for d in devs}


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")
def test_real_cuda_device():
    assert resolve_device("cuda") == torch.device("cuda", 0)
    assert available_devices()[0].name == torch.cuda.get_device_name(0)


@pytest.mark.slow
def test_train_on_the_cpu_and_a_bad_device(tmp_path):
    out = tmp_path / "m.pt"
    r = run_cli("train", "--device", "cpu", "--preset", "fast-bn", "--lr", "0.01", "--train-size", "500",
                "--max-steps", "5", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["steps"] == 5 and out.exists()
    r = run_cli("train", "--device", "gpu", "--max-steps", "5")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown device 'gpu'" in r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli("evaluate", "--device", "cuda:x")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown device" in r.stderr


@pytest.mark.slow
@pytest.mark.skipif(HAS_CUDA, reason="this machine has a CUDA device")
def test_asking_for_a_missing_gpu_is_one_line():
    r = run_cli("train", "--device", "cuda", "--max-steps", "5")
    assert r.returncode == 2
    assert r.stderr == ("mnist-gui: error: CUDA was asked for, but this torch sees no CUDA device; "
                        "available: cpu\n")
