"""Read and edit the cells of a notebook from a shell: a writing aid for notebook authors (the notebooks stay the source).

  python tools/nbcell.py list NB                      index, id, type and first line of every cell
  python tools/nbcell.py get NB ID                    the source of cell ID (an id, or an index)
  python tools/nbcell.py set NB ID FILE|-             replace the source of cell ID (its outputs are cleared)
  python tools/nbcell.py insert NB AFTER FILE|- [--md] a new cell after cell AFTER ('-1' for the top); prints its id
  python tools/nbcell.py delete NB ID                 remove cell ID
"""
import json, sys, uuid
from pathlib import Path

def _load(nb): return json.loads(Path(nb).read_text())
def _save(nb, d): Path(nb).write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
def _find(d, key):
    for i, c in enumerate(d['cells']):
        if c.get('id') == key: return i
    try: i = int(key)
    except ValueError: sys.exit(f"nbcell: no cell {key!r}")
    if not -1 <= i < len(d['cells']): sys.exit(f"nbcell: no cell {key!r}")
    return i
def _text(src): return sys.stdin.read() if src == '-' else Path(src).read_text()

def main(argv):
    if len(argv) < 2: sys.exit(__doc__)
    cmd, nb, *rest = argv
    d = _load(nb)
    if cmd == 'list':
        for i, c in enumerate(d['cells']):
            first = ''.join(c['source']).split('\n', 1)[0][:90]
            print(f"{i:3d} {c.get('id', '-'):>10} {c['cell_type'][:2]} {first}")
    elif cmd == 'get': print(''.join(d['cells'][_find(d, rest[0])]['source']), end='')
    elif cmd == 'set':
        c = d['cells'][_find(d, rest[0])]
        c['source'] = _text(rest[1]).rstrip('\n').splitlines(keepends=True)
        if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        _save(nb, d)
    elif cmd == 'insert':
        i = -1 if rest[0] == '-1' else _find(d, rest[0])
        md = '--md' in rest
        cell = dict(cell_type='markdown' if md else 'code', id=uuid.uuid4().hex[:8], metadata={},
                    source=_text(rest[1]).rstrip('\n').splitlines(keepends=True))
        if not md: cell.update(execution_count=None, outputs=[])
        d['cells'].insert(i + 1, cell); _save(nb, d); print(cell['id'])
    elif cmd == 'delete': del d['cells'][_find(d, rest[0])]; _save(nb, d)
    else: sys.exit(__doc__)

if __name__ == '__main__': main(sys.argv[1:])
