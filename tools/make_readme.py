"""Write README.md from nbs/index.ipynb (Quarto, which `nbdev-readme` needs, is unavailable).

`python tools/make_readme.py` writes the file; `python tools/make_readme.py --check` exits 1 when README.md is stale.
The conversion keeps markdown cells as they are (links to notebooks made relative to the root, links to the site's
other pages pointed at their source in docs/, or dropped where they have none), code cells as fenced Python, and their text and markdown outputs;
cells marked `#| hide` are left out, and nbdev directives (`#| ...`) are stripped. The notebook's first markdown cell
(`# Title` and `> subtitle`) becomes the README's heading.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"

def _directives(src): return [l for l in src.splitlines() if re.match(r'^\s*#\|', l)]

def _output_md(o):
    "Markdown for one cell output: text as a code block, HTML tables as HTML; pictures and widgets are left out"
    if o['output_type'] == 'stream': return f"```\n{''.join(o['text']).rstrip()}\n```"
    data = o.get('data', {})
    if 'text/html' in data:
        html = ''.join(data['text/html'])
        return re.sub(r'\n\s*', '', html).strip() if '<table' in html else ''
    if 'text/markdown' in data: return ''.join(data['text/markdown']).strip()
    txt = ''.join(data.get('text/plain', ''))
    if 'image/png' in data or txt.startswith('<IPython.core.display'): return ''
    return f"```\n{txt.rstrip()}\n```" if txt else ''

def _site_link(m):
    "A link to a page of the site that is not a notebook: to its markdown source in docs/ when there is one, else no link"
    text, page = m.group(1), m.group(2)
    return f'[{text}](docs/{page}.md)' if (ROOT/'docs'/f'{page}.md').is_file() else text

def _links(md):
    "Links to notebooks are relative to nbs/ in the notebook; the README sits at the repository's root"
    md = re.sub(r'\]\((?![a-z][a-z0-9+.-]*:|/|#)([^)\s]+\.ipynb(?:#[^)\s]*)?)\)', r'](nbs/\1)', md)
    return re.sub(r'\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|/|#)([\w-]+)\.html(?:#[^)\s]*)?\)', _site_link, md)

def readme_text(nb_path=ROOT/'nbs'/'index.ipynb'):
    "The README's markdown, made from the notebook at `nb_path`"
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if any(re.match(r'^\s*#\|\s*hide\b', l) for l in _directives(src)): continue
        if cell['cell_type'] == 'markdown': parts.append(_links(src.strip()))
        elif cell['cell_type'] == 'code':
            code = '\n'.join(l for l in src.splitlines() if not re.match(r'^\s*#\|', l)).strip()
            if code: parts.append(f"```python\n{code}\n```")
            for o in cell.get('outputs', []): parts.append(_output_md(o))
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    text, dst = readme_text(), ROOT/'README.md'
    if '--check' in sys.argv[1:]:
        if not dst.exists() or dst.read_text() != text: sys.exit("README.md is out of date: run `python tools/make_readme.py`")
    else: dst.write_text(text)
