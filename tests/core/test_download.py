"""The MNIST download: torchvision's mirrors and checksums, fetched by us so that the bytes are reported
and a stop is honoured; served here by a local HTTP server (nothing leaves the machine)."""

import hashlib
import os
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mnist_gui.core.data import Cancelled, download_mnist, load_mnist
from mnist_gui.core.errors import DownloadError
from tests.core.test_data import make_fake_mnist

_FLOWING = threading.Event()   # cleared: the mirror sends each file's first piece, then waits till it is set
_FLOWING.set()
FIRST_PIECE = 64 * 1024


class _Mirror(SimpleHTTPRequestHandler):
    def copyfile(self, source, outputfile):
        outputfile.write(source.read(FIRST_PIECE))
        outputfile.flush()
        _FLOWING.wait(60)
        super().copyfile(source, outputfile)


@pytest.fixture
def mirror_held():
    """The mirror holds every file after its first piece until the test calls the Event's set(): a stop asked for
    meanwhile is seen before the download can end (a stop that came after the last byte would race it)."""
    _FLOWING.clear()
    yield _FLOWING
    _FLOWING.set()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local mirror serving a small MNIST; torchvision's MNIST points at it, with the served files'
    md5s. Yields the served folder."""
    from torchvision.datasets import MNIST
    served = make_fake_mnist(tmp_path / "served", n_train=400, n_test=50)
    assert (served / "train-images-idx3-ubyte.gz").stat().st_size > FIRST_PIECE   # (mirror_held holds it midway)
    handler = partial(_Mirror, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/", f"http://127.0.0.1:{server.server_address[1]}/"])
    monkeypatch.setattr(MNIST, "resources", [(name, hashlib.md5((served / name).read_bytes()).hexdigest())
                                             for name, _ in MNIST.resources])
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    yield served
    server.shutdown()


def test_the_bytes_of_each_file_are_reported_and_the_files_land_in_the_folder(tmp_path, mirror):
    seen = []
    dest = download_mnist(tmp_path / "data", received=seen.append)
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        size = (mirror / name).stat().st_size
        mine = [p for p in seen if p.name == name]
        assert mine[0].done == 0 and mine[-1].done == size and {p.total for p in mine} == {size}
        assert (dest / name).read_bytes() == (mirror / name).read_bytes()
    assert [p.index for p in seen if p.done == 0] == [1, 2, 3, 4] and {p.count for p in seen} == {4}
    big = [p.done for p in seen if p.name == "train-images-idx3-ubyte.gz"]
    assert len(big) > 3 and big == sorted(big)          # in pieces, as they come
    assert len(load_mnist(dest, download=False).train) == 400


def test_a_stop_removes_the_file_being_fetched_and_keeps_the_whole_ones(tmp_path, mirror):
    dest = tmp_path / "data"
    stop = threading.Event()

    def received(p):
        if 0 < p.done < p.total:   # stop half-way through the first file
            stop.set()
    with pytest.raises(Cancelled):
        download_mnist(dest, received=received, should_stop=stop.is_set)
    assert list(dest.iterdir()) == []   # nothing half-written is left
    # a later download completes; a file already whole is not fetched again
    download_mnist(dest)
    again = []
    download_mnist(dest, received=again.append)
    assert again == []


def test_no_mirror_reached_is_offline(tmp_path, mirror, monkeypatch):
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])     # nothing listens there
    with pytest.raises(DownloadError) as e:
        download_mnist(tmp_path / "a")
    assert e.value.offline and "Download failed" in str(e.value) and "MNIST_GUI_DATA" in str(e.value)
    # the host and the socket's own words (in the system's language), no "[Errno 111]"
    assert e.value.reason.startswith("127.0.0.1:9: ") and "Errno" not in e.value.reason


def test_a_damaged_file_is_refused_and_not_kept(tmp_path, mirror):
    (mirror / "train-images-idx3-ubyte.gz").write_bytes(b"not the file")
    with pytest.raises(DownloadError) as e:
        download_mnist(tmp_path / "data")
    assert not e.value.offline and "checksum" in e.value.reason
    assert not (tmp_path / "data" / "train-images-idx3-ubyte.gz").exists()


class _Hostile(SimpleHTTPRequestHandler):
    """A mirror that lies: `huge` says 2 GB and sends without end; `endless` sends without a length and
    without end; `trickle` sends a byte at a time, slowly."""
    mode = "huge"

    def log_message(self, *a, **k):
        pass

    def do_GET(self):
        import time
        self.send_response(200)
        if self.mode == "huge":
            self.send_header("Content-Length", str(2 * 10**9))
        self.end_headers()
        try:
            while True:
                if self.mode == "trickle":
                    self.wfile.write(b"\x1f")
                    self.wfile.flush()
                    time.sleep(0.05)
                else:
                    self.wfile.write(b"\0" * 65536)
        except OSError:   # the client hung up: what we want
            pass


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(MNIST, "mirrors", [f"http://127.0.0.1:{server.server_address[1]}/"])
    yield _Hostile
    server.shutdown()


@pytest.mark.parametrize("mode", ["huge", "endless"])
def test_a_mirror_that_sends_more_than_the_file_is_cut_off_at_its_size(tmp_path, hostile, mode, monkeypatch):
    from mnist_gui.core import data
    monkeypatch.setattr(hostile, "mode", mode)
    seen = []
    with pytest.raises(DownloadError) as e:
        download_mnist(tmp_path / "data", received=seen.append)
    limit = data.KNOWN_SIZES["train-images-idx3-ubyte.gz"]
    assert ("for a file of" if mode == "huge" else "more than the") in e.value.reason and not e.value.offline
    assert max((p.done for p in seen), default=0) <= limit       # never more than the file is written
    assert list((tmp_path / "data").iterdir()) == []              # no .part left


def test_a_mirror_that_trickles_is_given_up_on(tmp_path, hostile, monkeypatch):
    from mnist_gui.core import data
    monkeypatch.setattr(hostile, "mode", "trickle")
    monkeypatch.setattr(data, "SLOW_WINDOW_S", 0.5)     # the rule, at a scale a test can wait for
    with pytest.raises(DownloadError) as e:
        download_mnist(tmp_path / "data")
    assert "too slow" in e.value.reason
    assert list((tmp_path / "data").iterdir()) == []


def test_a_part_left_by_a_killed_download_is_replaced_and_never_followed(tmp_path, mirror):
    dest = tmp_path / "data"
    dest.mkdir()
    target = tmp_path / "not-ours"
    target.write_text("precious")
    (dest / "train-images-idx3-ubyte.gz.part").symlink_to(target)   # or a stale .part of a killed run
    download_mnist(dest)
    assert target.read_text() == "precious"
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz"])


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names an fd's file through /proc (Linux)")
def test_each_file_is_on_the_disk_before_it_is_renamed_into_place(tmp_path, mirror, monkeypatch):
    """A crash (a power cut) just after a download must not leave a renamed but empty MNIST file: each part is
    fsynced before it replaces the file, as storage.atomic_write_bytes does. Before, it was never fsynced."""
    synced = []
    real = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    dest = download_mnist(tmp_path / "data")
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        assert str(dest / (name + ".part")) in synced, name
