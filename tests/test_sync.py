"The generated files agree with their sources: the package with the notebooks, clean notebooks, README with index.ipynb."
import subprocess, sys
from conftest import ROOT, script

def test_export_leaves_no_diff(repo_copy):
    res = subprocess.run([script('nbdev-export')], cwd=repo_copy, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for f in sorted((ROOT/'mnist_autoencoders').glob('*.py')):
        assert (repo_copy/'mnist_autoencoders'/f.name).read_text() == f.read_text(), f"{f.name} differs from its notebook: run nbdev-export"
    new = {p.name for p in (repo_copy/'mnist_autoencoders').glob('*.py')} - {p.name for p in (ROOT/'mnist_autoencoders').glob('*.py')}
    assert not new, f"nbdev-export writes modules missing from the repo: {new}"

def test_notebooks_are_clean(repo_copy):
    res = subprocess.run([script('nbdev-clean')], cwd=repo_copy, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        assert (repo_copy/'nbs'/nb.name).read_bytes() == nb.read_bytes(), f"{nb.name} is not clean: run nbdev-clean"

def test_readme_matches_index():
    res = subprocess.run([sys.executable, 'tools/make_readme.py', '--check'], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr

def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT/'README.md').read_text()
    cmd = readme.split('<!-- test-command -->', 1)[1].split('```sh\n', 1)[1].split('\n```', 1)[0].strip()
    assert 'pytest' in cmd and '.[dev]' in cmd
    assert 'test-command' in (ROOT/'.ci'/'run').read_text()   # CI reads the command from the README
