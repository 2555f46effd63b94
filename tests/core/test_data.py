import gzip
import struct
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from mnist_gui import config
from mnist_gui.core.data import DataError, load_mnist, read_idx


def write_idx(path, arr, gz=False):
    arr = np.asarray(arr, np.uint8)
    head = struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = head + arr.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)
    return path


def make_fake_mnist(folder, n_train=20, n_test=10, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    ext = ".gz" if gz else ""
    write_idx(folder / f"train-images-idx3-ubyte{ext}", rng.integers(0, 255, (n_train, 28, 28)), gz)
    write_idx(folder / f"train-labels-idx1-ubyte{ext}", rng.integers(0, 10, n_train), gz)
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", rng.integers(0, 255, (n_test, 28, 28)), gz)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", rng.integers(0, 10, n_test), gz)
    return folder


def test_real_files(mnist):
    assert mnist.train.images.shape == (60000, 28, 28) and mnist.train.images.dtype.is_floating_point is False
    assert mnist.test.images.shape == (10000, 28, 28)
    counts = np.bincount(mnist.test.labels.numpy(), minlength=10).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_raw_and_gz(tmp_path):
    a = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    assert np.array_equal(read_idx(write_idx(tmp_path / "x", a)), a)
    assert np.array_equal(read_idx(write_idx(tmp_path / "x.gz", a, gz=True)), a)


def test_truncated_file(tmp_path):
    p = write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((5, 28, 28)))
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: truncated"):
        read_idx(p)


def test_truncated_gzip(tmp_path):
    p = write_idx(tmp_path / "a.gz", np.zeros((50, 28, 28)), gz=True)
    p.write_bytes(p.read_bytes()[:40])
    with pytest.raises(DataError, match="a.gz"):
        read_idx(p)


def test_gzip_in_members_and_with_padding_reads_like_gzip_module(tmp_path):
    a = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    whole = write_idx(tmp_path / "x", a).read_bytes()
    p = tmp_path / "x.gz"
    p.write_bytes(gzip.compress(whole[:1000]) + gzip.compress(whole[1000:]) + bytes(16))   # two members, zeros
    assert gzip.open(p).read() == whole   # what the gzip module makes of it
    assert np.array_equal(read_idx(p), a)


def test_gzip_that_inflates_past_its_header_or_is_not_gzip_is_refused(tmp_path):
    head = struct.pack(">BBBBI", 0, 0, 8, 1, 10)
    p = tmp_path / "labels.gz"
    p.write_bytes(gzip.compress(head + bytes(10) + bytes(10**6)))   # promises 10 labels, holds a million more
    with pytest.raises(DataError, match="unexpected bytes after"):
        read_idx(p)
    p.write_bytes(gzip.compress(head + bytes(10)) + b"garbage after the member")
    with pytest.raises(DataError, match="labels.gz: cannot read"):
        read_idx(p)


def test_a_gzip_is_inflated_in_few_big_pieces(tmp_path, monkeypatch):
    """Each read of the file lets go of the GIL, and beside a busy thread (PyTorch importing for the Train
    tab) each is a wait of up to 5 ms: 8 kB pieces made a 0.17 s read of MNIST take 3.6 s."""
    from mnist_gui.core import data
    rng = np.random.default_rng(0)
    p = write_idx(tmp_path / "x.gz", rng.integers(0, 255, (3000, 28, 28)), gz=True)   # ~2.4 MB inflated
    sizes = []
    real = data.open_state_file

    def counting(*a, **k):
        f = real(*a, **k)
        read = f.read
        f.read = lambda n=-1: sizes.append(n) or read(n)
        return f
    monkeypatch.setattr(data, "open_state_file", counting)
    assert read_idx(p).shape == (3000, 28, 28)
    assert len(sizes) <= 3 and min(sizes) >= 1 << 20


def test_bad_magic(tmp_path):
    p = tmp_path / "train-labels-idx1-ubyte"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(DataError, match="wrong magic number"):
        read_idx(p)


def test_mismatched_counts(tmp_path):
    folder = make_fake_mnist(tmp_path / "d")
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(9), gz=True)
    with pytest.raises(DataError, match=r"10 images but .*t10k-labels.* has 9 labels"):
        load_mnist(folder)


def test_missing_folder_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    with pytest.raises(DataError) as e:
        load_mnist(tmp_path / "nowhere")
    msg = str(e.value)
    assert "nowhere" in msg and "train-images-idx3-ubyte" in msg and "--data-dir" in msg


def test_search_order(tmp_path, monkeypatch):
    a = make_fake_mnist(tmp_path / "a", n_train=20)
    b = make_fake_mnist(tmp_path / "b", n_train=30)
    monkeypatch.setenv("MNIST_GUI_DATA", str(b))
    assert len(load_mnist(a).train) == 20          # --data-dir first
    assert len(load_mnist().train) == 30           # then MNIST_GUI_DATA
    monkeypatch.delenv("MNIST_GUI_DATA")
    make_fake_mnist(config.user_data_dir(), n_train=40)
    assert len(load_mnist().train) == 40           # then the user folder


def test_download_from_a_fake_server(tmp_path, monkeypatch):
    """The real torchvision download path, served by a local HTTP server."""
    from torchvision.datasets import MNIST
    served = make_fake_mnist(tmp_path / "served", n_train=25, n_test=5)
    handler = partial(SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(MNIST, "mirrors", [f"http://127.0.0.1:{server.server_address[1]}/"])
        monkeypatch.setattr(MNIST, "resources", [(name, None) for name, _ in MNIST.resources])
        monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
        messages = []
        data = load_mnist(progress=messages.append)
    finally:
        server.shutdown()
    assert len(data.train) == 25 and len(data.test) == 5
    assert data.folder == config.user_data_dir()
    # typed lines (the window says them in its language); their English is the command line's
    assert {m.code for m in messages} == {"mnist-downloading", "mnist-downloading-file", "mnist-loading"}
    assert any(str(m) == "downloading train-images-idx3-ubyte.gz (1 of 4)" for m in messages)


def test_download_failure_is_one_clear_error(monkeypatch):
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens there
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    with pytest.raises(DataError, match="Download failed") as e:
        load_mnist()
    assert "MNIST_GUI_DATA" in str(e.value)


def test_changing_the_data_folder_does_not_wait_for_a_load_under_way(tmp_path, monkeypatch):
    """A download can take minutes: the folder changes at once; the old folder's load still serves
    whoever asked for it, but is not kept or announced, and the next use loads the new folder."""
    import threading

    from mnist_gui.core.workspace import Workspace
    started, release, waited_out = threading.Event(), threading.Event(), []

    def slow_load(data_dir=None, **_):
        started.set()
        waited_out.append(not release.wait(60))   # True only if nobody released it
        return f"MNIST of {data_dir}"

    monkeypatch.setattr("mnist_gui.core.data.load_mnist", slow_load)
    ws = Workspace(tmp_path)
    ws.set_data_dir(str(tmp_path / "old"))
    announced, got = [], []
    ws.data_loaded.connect(announced.append)
    loader = threading.Thread(target=lambda: got.append(ws.mnist()))
    loader.start()
    assert started.wait(60)
    ws.set_data_dir(str(tmp_path / "new"))       # while the load holds the lock
    release.set()
    loader.join()
    assert waited_out == [False]                 # set_data_dir returned before the load ended
    assert got == [f"MNIST of {tmp_path / 'old'}"] and announced == [] and ws.loaded_mnist is None
    assert ws.mnist() == f"MNIST of {tmp_path / 'new'}" and announced == [ws.loaded_mnist]


# ------------------------------------------------------------------ the decoded cache

def _caches(folder, stem="train-images-idx3-ubyte.gz"):
    return sorted(p.name for p in folder.glob(stem + ".*.npy"))


def test_a_second_load_comes_from_the_decoded_cache_beside_the_files(tmp_path, monkeypatch):
    from mnist_gui.core import data
    folder = make_fake_mnist(tmp_path / "m")
    first = load_mnist(folder, download=False)
    assert len(_caches(folder)) == 1 and len(list(folder.glob("*.npy"))) == 4
    monkeypatch.setattr(data, "read_idx", lambda *a, **k: pytest.fail("decoded the .gz again"))
    second = load_mnist(folder, download=False)
    for a, b in ((first.train, second.train), (first.test, second.test)):
        assert np.array_equal(a.images.numpy(), b.images.numpy()) and np.array_equal(a.labels.numpy(), b.labels.numpy())
    second.train.images[0, 0, 0] = 7   # the tensors are the app's own, writable, not a view of the cache
    assert load_mnist(folder, download=False).train.images[0, 0, 0] == first.train.images[0, 0, 0]


def test_a_read_only_folder_keeps_its_cache_in_the_app_folder(tmp_path):
    folder = make_fake_mnist(tmp_path / "m")
    folder.chmod(0o555)
    try:
        load_mnist(folder, download=False)
        assert not list(folder.glob("*.npy"))   # the folder is left as it was, even for root
        assert len(list((config.cache_dir() / "mnist").glob("*.npy"))) == 4
        again = load_mnist(folder, download=False)
        assert again.train.images.shape == (20, 28, 28)
    finally:
        folder.chmod(0o755)


def test_a_changed_source_is_decoded_again_and_its_old_cache_removed(tmp_path):
    folder = make_fake_mnist(tmp_path / "m")
    load_mnist(folder, download=False)
    old = _caches(folder)
    new = np.full((20, 28, 28), 9, np.uint8)
    write_idx(folder / "train-images-idx3-ubyte.gz", new, gz=True)   # same size and shape, new pixels
    assert np.array_equal(load_mnist(folder, download=False).train.images.numpy(), new)
    assert len(_caches(folder)) == 1 and _caches(folder) != old


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty"])
def test_a_damaged_cache_is_rebuilt_without_an_error(tmp_path, damage):
    folder = make_fake_mnist(tmp_path / "m")
    want = load_mnist(folder, download=False).train.images.numpy().copy()
    cache = folder / _caches(folder)[0]
    raw = cache.read_bytes()
    cache.write_bytes({"truncated": raw[: len(raw) // 2], "flipped": raw[:-1] + bytes([raw[-1] ^ 1]),
                       "garbage": b"\x93NUMPY not really" * 50, "empty": b""}[damage])
    assert np.array_equal(load_mnist(folder, download=False).train.images.numpy(), want)
    assert _caches(folder) and (folder / _caches(folder)[0]).read_bytes() == raw   # written again, whole


def test_a_bad_source_is_still_one_clear_error_with_no_cache(tmp_path):
    folder = make_fake_mnist(tmp_path / "m")
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"\x1f\x8b" + b"x" * 40)   # a gzip that is not one
    with pytest.raises(DataError, match="train-images"):
        load_mnist(folder, download=False)
    assert not _caches(folder)
