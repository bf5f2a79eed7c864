"""The package's shape: the layers of pyproject's import-linter contract hold, no module uses another's private names,
no module is over 400 lines, and importing a module changes no global warning filter."""
import ast, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT, script

PKG = ROOT/'mnist_autoencoders'
MODULES = sorted(p.stem for p in PKG.glob('*.py') if not p.stem.startswith('_'))

def lint_imports(cwd, pythonpath=None):
    env = os.environ | ({'PYTHONPATH': str(pythonpath)} if pythonpath else {})
    return subprocess.run([script('lint-imports'), '--no-cache'], cwd=cwd, capture_output=True, text=True, env=env)

def test_contract_lists_every_module():
    "Each module of the package has its place in the layers"
    text = (ROOT/'pyproject.toml').read_text()
    layers = re.search(r'layers = \[(.*?)\]', text, re.S).group(1)
    listed = set(re.findall(r'\b([a-z_]+)\b', layers))
    assert set(MODULES) <= listed, f"modules missing from the import-linter layers: {set(MODULES) - listed}"

def test_layers_hold():
    res = lint_imports(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert 'Contracts: 1 kept, 0 broken' in res.stdout

def test_an_upward_import_breaks_the_contract(tmp_path):
    "The contract is not vacuous: `data` importing `learner` (a higher layer) is reported"
    shutil.copy(ROOT/'pyproject.toml', tmp_path)
    shutil.copytree(PKG, tmp_path/'mnist_autoencoders', ignore=shutil.ignore_patterns('__pycache__', 'assets'))
    data = tmp_path/'mnist_autoencoders'/'data.py'
    data.write_text(data.read_text() + '\nfrom mnist_autoencoders.learner import train_autoencoder\n')
    res = lint_imports(tmp_path, pythonpath=tmp_path)
    assert res.returncode != 0, res.stdout
    assert 'mnist_autoencoders.data -> mnist_autoencoders.learner' in res.stdout, res.stdout

@pytest.mark.parametrize('mod', MODULES)
def test_no_private_imports(mod):
    "No module imports a `_private` name of another module of the package"
    tree = ast.parse((PKG/f'{mod}.py').read_text())
    bad = [f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or '').startswith('mnist_autoencoders')
           for a in n.names if a.name.startswith('_') and not a.name.startswith('__')]
    assert not bad, f"{mod}.py imports private names {bad}"

@pytest.mark.parametrize('mod', MODULES)
def test_module_size(mod):
    n = len((PKG/f'{mod}.py').read_text().splitlines())
    assert n <= 400, f"{mod}.py has {n} lines: split it by concept"

def _third_party_imports():
    "The modules outside the package that its modules import"
    mods = set()
    for mod in MODULES:
        for n in ast.walk(ast.parse((PKG/f'{mod}.py').read_text())):
            if isinstance(n, ast.Import): mods |= {a.name for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0: mods.add(n.module)
    return sorted(m for m in mods if not m.startswith('mnist_autoencoders'))

def test_importing_changes_no_warning_filter():
    "Importing our modules adds no warning filter (our dependencies, imported first, may add their own)"
    code = ("import warnings, importlib\n"
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
            f"    for m in {_third_party_imports()!r}: importlib.import_module(m)\n"
            "before = list(warnings.filters)\n"
            f"for m in {MODULES!r}: importlib.import_module('mnist_autoencoders.' + m)\n"
            "assert warnings.filters == before, [f for f in warnings.filters if f not in before]")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]

@pytest.mark.parametrize('mod', ['data', 'learner', 'reproduce'])
def test_importing_raises_no_future_warning(mod):
    "fastai's `torch.jit.script` FutureWarning is filtered where fastai is first imported (config)"
    res = subprocess.run([sys.executable, '-W', 'error::FutureWarning', '-c', f'import mnist_autoencoders.{mod}'],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
