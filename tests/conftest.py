import os, sys, shutil
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
BIN = Path(sys.executable).parent  # the environment's console scripts (nbdev-test, mnist-ae, ...)

def script(name):
    "Path of console script `name` from the running environment"
    p = BIN/name
    return str(p) if p.exists() else shutil.which(name) or name

def need_binary(path_or_name, # A program: its path, or a name looked up on PATH
                why:str, # What it is for and how to get it, for the message
               ) -> str:
    "The path of program `path_or_name`; where it is missing the test is skipped, or fails when the environment has CI=true"
    found = shutil.which(str(path_or_name))
    if found: return found
    msg = f"{path_or_name} is missing: {why}"
    if os.environ.get('CI') == 'true': pytest.fail(f"{msg} (CI=true: a missing tool fails instead of skipping)")
    pytest.skip(msg)

@pytest.fixture(autouse=True)
def _no_storage_from_env(monkeypatch):
    "Each test chooses its storage: a MNIST_AE_STORAGE set in the caller's shell is not used (nor passed to commands)"
    monkeypatch.delenv('MNIST_AE_STORAGE', raising=False)

@pytest.fixture(scope='session')
def mnist():
    "The bundled MNIST, loaded once per test process"
    from mnist_autoencoders.data import load_mnist
    return load_mnist()

@pytest.fixture
def repo_copy(tmp_path):
    "A copy of the project's sources (pyproject, notebooks, package) in a temporary folder"
    for f in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/f, tmp_path/f)
    shutil.copytree(NBS, tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_*'))
    shutil.copytree(ROOT/'mnist_autoencoders', tmp_path/'mnist_autoencoders', ignore=shutil.ignore_patterns('__pycache__', 'assets'))
    return tmp_path

# The suite runs in two pytest-xdist workers (pyproject's addopts: `-n 2 --dist loadgroup`) on a two-core machine.
# Each worker, and every notebook or command it starts, uses one torch thread, so the two never fight over the
# cores (oversubscribed OpenMP threads spin and can make a run many times slower).
if int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')) > 1: os.environ['OMP_NUM_THREADS'] = '1'

FIRST = ('test_reproduce', 'test_docs_site', 'test_search_pg')   # the longest groups start first

def pytest_collection_modifyitems(config, items):
    "A test module stays on one worker (its module-scoped fixtures are built once), except the notebooks: one test each"
    for item in items:
        if item.module.__name__ != 'test_notebooks': item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    items.sort(key=lambda it: FIRST.index(it.module.__name__) if it.module.__name__ in FIRST else len(FIRST))
