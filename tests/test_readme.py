"""The README a newcomer copies from: its Python blocks run in order, as written, from the repository's root folder in a
fresh interpreter (so they must import what they use), and no block points outside the repository."""
import re, subprocess, sys
from conftest import ROOT

def blocks(lang):
    return re.findall(rf'```{lang}\n(.*?)\n```', (ROOT/'README.md').read_text(), flags=re.S)

def test_python_blocks_run_from_the_repository_root(tmp_path):
    code = blocks('python')
    assert code, 'no Python block in README.md'
    assert 'import' in code[0], f'the first Python block must import what the others use:\n{code[0]}'
    script = tmp_path/'readme.py'
    body = '\n'.join(f'print("<<{i}>>", flush=True)\n{c}' for i, c in enumerate(code))
    script.write_text('import matplotlib; matplotlib.use("Agg")\n' + body)
    res = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, f'README.md Python blocks failed:\n{res.stderr[-3000:]}'
    assert res.stdout.count('<<') == len(code)

def test_no_path_outside_the_repository():
    text = (ROOT/'README.md').read_text()
    for c in blocks('python') + blocks('sh'): assert '../' not in c, c
    assert '/tmp/' not in text and '/work/' not in text

def test_quoted_benchmarks_are_the_recorded_ones():
    "The README's time-to-quality numbers are those of the recorded benchmark run (bench/results)"
    import json
    r = json.loads((ROOT/'bench'/'results'/'time_to_quality.json').read_text())
    text = ' '.join((ROOT/'README.md').read_text().split())
    assert f"in {r['recipe']['reached']['train_s']:.0f} s" in text and f"against {r['reference']['reached']['train_s']:.0f} s" in text
    assert f"{r['speedup']:.2f} times faster" in text
    assert ('missed' in text) == (not r['target']['ok'])
