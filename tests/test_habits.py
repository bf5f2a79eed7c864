"Habits the project keeps: a library call writes no file it was not asked for, and the commands the docs name exist."
import os, re, subprocess, sys
from conftest import ROOT, BIN

def test_train_autoencoder_writes_nothing(tmp_path):
    "Training in an empty folder, with the default callbacks (best weights kept, no CSV log), leaves it empty"
    code = ("from mnist_autoencoders.learner import train_autoencoder\n"
            "kw = dict(epochs=1, n_train=512, bs=128, device='cpu', progress=False)\n"
            "train_autoencoder('ae', **kw)\n"
            "train_autoencoder('ae', csv_log=None, **kw)\n")
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    subprocess.run([sys.executable, '-c', code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == []

SECTION = 'Coming from nbdev 2 or the fastai course'
QUARTO_ONLY = ('nbdev-docs', 'nbdev-preview', 'nbdev-readme', 'nbdev-prepare')

def _section(md, level='##'):
    "The text of `md`'s section `SECTION`, heading excluded, up to the next heading of the same level"
    start = md.index(f'{level} {SECTION}\n') + len(f'{level} {SECTION}\n')
    end = md.find(f'\n{level} ', start)
    return md[start:] if end < 0 else md[start:end]

def _pages():
    readme = _section((ROOT/'README.md').read_text())
    page = _section((ROOT/'docs'/'nbdev2.md').read_text(), level='#')
    return {'README.md': readme, 'docs/nbdev2.md': page}

def _commands(md):
    "Every command in back-quotes that starts with `nbdev-` or `python tools/` (commands joined by `&&` split)"
    parts = [p.strip() for span in re.findall(r'`([^`\n]+)`', md) for p in span.split('&&')]
    return [p for p in parts if p.startswith(('nbdev-', 'python tools/'))]

def test_nbdev2_page_matches_readme():
    pages = _pages()
    assert pages['README.md'].strip() == pages['docs/nbdev2.md'].strip()
    assert (ROOT/'docs'/'nbdev2.md').read_text().startswith(f'# {SECTION}\n')

def test_nbdev2_commands_exist():
    for name, md in _pages().items():
        cmds = _commands(md)
        for must in ('nbdev-export', 'nbdev-test', 'nbdev-clean', 'nbdev-create-config',
                     'python tools/build_docs.py', 'python tools/make_readme.py', *QUARTO_ONLY):
            assert must in cmds, f'{name} does not name `{must}`'
        for cmd in cmds:
            words = cmd.split()
            if words[0] == 'python': assert (ROOT/words[1]).is_file(), f'{name}: `{cmd}` names no file of the repository'
            else: assert (BIN/words[0]).is_file(), f'{name}: `{cmd}` is not a command of the environment ({BIN})'

def test_quarto_commands_named_as_not_running():
    for name, md in _pages().items():
        para = next((p for p in md.split('\n\n') if 'do not run here' in p), '')
        assert 'Quarto' in para, f'{name}: no paragraph says which commands need Quarto'
        for cmd in QUARTO_ONLY: assert f'`{cmd}`' in para, f'{name}: `{cmd}` is not named as needing Quarto'
