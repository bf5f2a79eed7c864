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

@pytest.fixture
def repo_copy(tmp_path):
    "A copy of the project's sources (pyproject, notebooks, package) in a temporary folder"
    for f in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/f, tmp_path/f)
    shutil.copytree(NBS, tmp_path/'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_*'))
    shutil.copytree(ROOT/'mnist_autoencoders', tmp_path/'mnist_autoencoders', ignore=shutil.ignore_patterns('__pycache__', 'assets'))
    return tmp_path
