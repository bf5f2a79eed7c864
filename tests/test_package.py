"The installed package: MNIST ships inside it and loads with no network."
import subprocess, sys
from pathlib import Path
import pytest
import mnist_autoencoders
from mnist_autoencoders.data import load_mnist, bundled_mnist_path, MNIST_FILES

def test_bundled_files_and_licence():
    raw = bundled_mnist_path()
    assert sorted(p.name for p in raw.iterdir()) == sorted(f'{n}.gz' for n in MNIST_FILES)
    assert 'Creative Commons Attribution-Share Alike 3.0' in (raw.parent/'README.md').read_text()

def test_acceptance_command():
    code = "from mnist_autoencoders.data import load_mnist; d = load_mnist(); print(d.x_train.shape, d.x_test.shape)"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "torch.Size([60000, 28, 28]) torch.Size([10000, 28, 28])"

def test_loads_torchvision_layout_uncompressed(tmp_path, mnist):
    "A folder of uncompressed IDX files (torchvision's layout after extraction) loads and passes the md5 check"
    import gzip
    for n in MNIST_FILES: (tmp_path/n).write_bytes(gzip.decompress((bundled_mnist_path()/f'{n}.gz').read_bytes()))
    d = load_mnist(tmp_path, verify=True)
    assert (d.x_test == mnist.x_test).all() and (d.y_train == mnist.y_train).all()

def test_corrupt_bundled_copy_is_caught(tmp_path):
    "A flipped byte in a copy of the data fails the checksum with the file named"
    import gzip
    for n in MNIST_FILES:
        data = bytearray(gzip.decompress((bundled_mnist_path()/f'{n}.gz').read_bytes()))
        if n == 't10k-labels-idx1-ubyte': data[100] ^= 1
        (tmp_path/n).write_bytes(bytes(data))
    with pytest.raises(ValueError, match='Checksum mismatch for .*t10k-labels-idx1-ubyte'): load_mnist(tmp_path, verify=True)

def test_wheel_carries_the_licence(tmp_path):
    "The wheel built from this checkout holds the Apache-2.0 LICENSE that pyproject.toml declares (no download: no isolation)"
    import zipfile
    from conftest import ROOT
    res = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    whl, = tmp_path.glob('mnist_autoencoders-*.whl')
    names = zipfile.ZipFile(whl).namelist()
    lic = [n for n in names if n.endswith('.dist-info/licenses/LICENSE')]
    assert lic, names
    assert 'Apache License' in zipfile.ZipFile(whl).read(lic[0]).decode()
