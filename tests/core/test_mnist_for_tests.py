"""The tests' MNIST: found where it is, else downloaded once by the app's own download into a cache folder;
offline, the tests that need it are skipped, saying why. The download is served by a local HTTP server."""

from functools import partial

from mnist_gui.core.data import download_mnist
from tests.conftest import find_or_fetch_mnist
from tests.core.test_download import mirror  # noqa: F401  (the local mirror fixture)


def test_a_folder_that_holds_mnist_is_used_and_nothing_is_fetched(tmp_path):
    from tests.core.test_data import make_fake_mnist
    there = make_fake_mnist(tmp_path / "there", n_train=20, n_test=10)
    fetched = []
    assert find_or_fetch_mnist([tmp_path / "nothing", there], tmp_path / "cache", True, fetched.append) == \
        (there.resolve(), "")
    assert fetched == []


def test_online_it_is_downloaded_once_into_the_cache_and_read_from_there_afterwards(tmp_path, mirror):  # noqa: F811
    cache = tmp_path / "cache" / "mnist"
    calls = []
    fetch = lambda dest: (calls.append(dest), download_mnist(dest))
    assert find_or_fetch_mnist([tmp_path / "nothing"], cache, True, fetch) == (cache.resolve(), "")
    assert (cache / "t10k-images-idx3-ubyte.gz").read_bytes() == (mirror / "t10k-images-idx3-ubyte.gz").read_bytes()
    assert find_or_fetch_mnist([tmp_path / "nothing"], cache, True, fetch) == (cache.resolve(), "")
    assert calls == [cache]


def test_offline_there_is_none_and_the_reason_says_so(tmp_path, mirror, monkeypatch):  # noqa: F811
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])     # nothing listens there
    folder, why = find_or_fetch_mnist([], tmp_path / "cache", True, partial(download_mnist))
    assert folder is None
    assert why.startswith("MNIST not available (set MNIST_GUI_DATA; offline: ") and "127.0.0.1:9" in why


def test_with_the_download_turned_off_nothing_is_fetched(tmp_path):
    fetched = []
    folder, why = find_or_fetch_mnist([], tmp_path / "cache", False, fetched.append)
    assert folder is None and fetched == [] and "MNIST_GUI_TEST_DOWNLOAD=0" in why
