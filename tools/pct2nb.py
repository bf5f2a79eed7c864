"""Convert a percent-format script (`# %%` code cells, `# %% [md]` markdown cells) into a notebook.

A writing aid for notebook authors: the notebooks in `nbs/` stay the source of truth; this only
turns a draft kept as plain text into cells. Usage: `python tools/pct2nb.py draft.py nbs/00_data.ipynb`.
"""
import json, re, sys, uuid
from pathlib import Path

def pct2nb(text):
    cells, kind, buf = [], None, []
    def flush():
        if kind is None: return
        src = '\n'.join(buf).strip('\n')
        if kind == 'markdown':
            src = '\n'.join(l[2:] if l.startswith('# ') else l[1:] if l.startswith('#') else l for l in src.split('\n'))
        cell = dict(cell_type=kind, id=uuid.uuid4().hex[:8], metadata={}, source=src.splitlines(keepends=True))
        if kind == 'code': cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    for line in text.split('\n'):
        m = re.match(r'^# %%(.*)$', line)
        if m:
            flush(); buf = []
            kind = 'markdown' if '[md]' in m.group(1) else 'code'
        else: buf.append(line)
    flush()
    return dict(cells=cells, metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')),
                nbformat=4, nbformat_minor=5)

if __name__ == '__main__':
    src, dst = sys.argv[1:3]
    Path(dst).write_text(json.dumps(pct2nb(Path(src).read_text()), indent=1) + '\n')
