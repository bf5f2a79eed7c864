"""Build the documentation site offline: nbdev's processed notebooks rendered by Sphinx, myst-nb and furo.

    python tools/build_docs.py                 # writes the site to _docs/ (open _docs/index.html, or serve it)
    python tools/build_docs.py --out /tmp/site --clean

Quarto, which `nbdev-docs` needs, cannot be installed here (DESIGN.md, decision 2), so the site is built in three steps:

1. nbdev's own processors (`nbdev.processors.FilterDefaults`, what `nbdev.serve.proc_nbs` runs on every notebook) turn
   each notebook into a docs page: hidden and `#| export` cells removed, a `show_doc` (signature, docments, docstring)
   after every exported definition, backquoted names linked. They run in this process, one notebook after another
   (nbdev's `proc_nbs` would write to the repo's `_proc/` and start a process per notebook).
2. A clean-up makes that output something myst-nb renders: the Quarto front matter becomes a title and a lead, the
   `show_doc` markdown becomes part of the page (Quarto's `output: asis`) with nbdev's anchors, Quarto cell options
   become myst-nb tags, nbdev's site-absolute links (`/data.html#load_mnist`) and links to `.ipynb` files become
   relative links to pages, and the cell keys nbformat rejects (`has_sd`, a float `execution.total`) are dropped.
   The Results page is generated from the paper reproduction, `results/paper` (docs/results_page.py).
3. `sphinx-build` with myst-nb (no execution: the stored outputs are shown) and the furo theme writes the HTML.
   Nothing is fetched from the network at view time (MathJax is served from the site itself).
4. The page "Explore the latent space" (docs/explore.md, docs/_static/explorer/) gets what it runs in the reader's
   browser (DESIGN.md, decision 9): the recorded models' decoders and encoders exported to ONNX by the library
   (`mnist_autoencoders.export.export_onnx`), the test digits and their codes as JSON, a grid picture for readers who
   open the page as a file, and onnxruntime-web, installed from npm at a pinned version into _proc/npm (the one
   download of the build, done once; `MNIST_AE_ORT_WEB` may point at an installed `dist` folder instead). They go to
   OUT/_static/explorer/, never into the committed tree.

Pages: Home (nbs/index.ipynb), one page per library notebook (nbs/*.ipynb), the tutorials (nbs/tutorials/*.ipynb,
if any), Results, and docs/*.md (how the site is built).
"""
import argparse, ast, copy, hashlib, json, os, re, shutil, subprocess, sys, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT/'docs'
NBS = ROOT/'nbs'
RESULTS = ROOT/'results'

# --------------------------------------------------------------------------------------------------------------------
# What to build

def _nb_ok(p:Path): return not p.name.startswith(('_', '.'))

def find_notebooks(nbs:Path=NBS) -> dict:
    "The notebooks of each section: {'home': [index], 'library': [...], 'tutorials': [...]} (sorted by file name)"
    nbs = Path(nbs)
    lib = sorted(p for p in nbs.glob('*.ipynb') if _nb_ok(p) and p.name != 'index.ipynb')
    tut = sorted(p for p in (nbs/'tutorials').glob('*.ipynb') if _nb_ok(p)) if (nbs/'tutorials').is_dir() else []
    home = [nbs/'index.ipynb'] if (nbs/'index.ipynb').exists() else []
    return dict(home=home, library=lib, tutorials=tut)

# --------------------------------------------------------------------------------------------------------------------
# Step 1: nbdev's processors

_SHOW_DIRS = {'export', 'exports', 'exporti', 'exec_doc'}

def _nbdev_filter():
    "nbdev's `FilterDefaults`, with `exec_show_docs` made to run only the code the API docs need (see `_exec_cls`)"
    from nbdev.processors import FilterDefaults, exec_show_docs
    ExecDocs = _exec_cls(exec_show_docs)
    class DocsFilter(FilterDefaults):
        def base_procs(self): return [ExecDocs if p is exec_show_docs else p for p in super().base_procs()]
    return DocsFilter()

def _exec_cls(exec_show_docs):
    """nbdev's `exec_show_docs` runs every cell that contains an import, and stops the build when such a cell fails.
    A cell that mixes an import with other code (`import matplotlib.pyplot as plt; plt.plot(x_train[0])`) then fails
    for want of the names earlier, unexecuted cells define. Here such a cell has only its import statements run and
    keeps its stored outputs; exported cells, `show_doc` cells and import-only cells run as nbdev runs them."""
    from nbdev.processors import _show_docs, cell_lang
    imports = (ast.Import, ast.ImportFrom)
    class exec_docs(exec_show_docs):
        def __call__(self, cell):
            if not self.nb.has_docs_ or not hasattr(self, 'k') or cell.cell_type != 'code': return
            if cell_lang(cell) != 'python' or not cell.source or 'nbdev_export()' in cell.source: return
            if str(cell.directives_.get('eval', '')).lower() == 'false': return
            fm = getattr(self.nb, 'frontmatter_', {})
            if str(fm.get('skip_showdoc', False)).lower() in ('true', '1', 'yes'): return
            trees = cell.parsed_()
            if not trees: return
            title = fm.get('title', '')
            if cell.directives_.keys() & _SHOW_DIRS or _show_docs(trees) or all(isinstance(t, imports) for t in trees):
                self.k.cell(cell)
            else:   # only its top-level imports
                imps = [t for t in trees if isinstance(t, imports)]
                if not imps: return
                self.k.run('\n'.join(ast.unparse(t) for t in imps))
            if (e := self.k.exc):
                raise RuntimeError(f"Error{' in notebook: '+title if title else ''} in cell {cell.idx_}:\n"
                                   f"{cell.source}\n{type(e).__name__}: {e}") from e
    exec_docs.__name__ = 'exec_show_docs'
    return exec_docs

def nbdev_process(src:Path, dst:Path) -> dict:
    "Run nbdev's docs processors on notebook `src`, write the result to `dst` and return it as a plain dict"
    from fastcore.nbio import read_nb, nb2dict
    nb = read_nb(src)
    old = os.environ.get('IN_TEST')
    os.environ['IN_TEST'] = '1'   # as nbdev's `proc_nbs` does
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='Found cells containing imports and other code')
            _nbdev_filter()(nb)
    finally:
        if old is None: os.environ.pop('IN_TEST', None)
        else: os.environ['IN_TEST'] = old
    d = json.loads(json.dumps(nb2dict(nb), default=str))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(d, indent=1, ensure_ascii=False))
    return d

# --------------------------------------------------------------------------------------------------------------------
# Step 2: clean-up for myst-nb

def _src(x): return ''.join(x) if isinstance(x, list) else (x or '')

def parse_frontmatter(nb:dict) -> dict:
    "The YAML front matter nbdev's `FrontmatterProc` put in the first raw cell (title, description, output-file)"
    import yaml
    for c in nb['cells'][:2]:
        s = _src(c.get('source')).strip()
        if c['cell_type'] == 'raw' and s.startswith('---'):
            body = s.strip('-\n')
            try: return yaml.safe_load(body) or {}
            except yaml.YAMLError: return {}
    return {}

def docname_for(src:Path, nbs:Path, fm:dict) -> str:
    "Page name of notebook `src`: nbdev's `output-file` (`00_data.ipynb` -> `data`), in the notebook's subfolder"
    out = fm.get('output-file') or re.sub(r'^\d+[a-z]?_', '', src.stem) + '.html'
    rel = src.parent.relative_to(nbs)
    return str((rel/Path(out).stem).as_posix()).lstrip('./') if str(rel) != '.' else Path(out).stem

def quarto_anchor(name:str) -> str:
    "The id Quarto (pandoc) gives the heading `name`, which nbdev's links point to: `MNISTData` -> `mnistdata`"
    s = re.sub(r'[^\w\s.\-]', '', name.strip().lower())
    return re.sub(r'\s+', '-', s)

def _relurl(target_doc:str, from_doc:str) -> str:
    "URL of page `target_doc` (a docname) relative to page `from_doc`"
    return os.path.relpath(target_doc + '.html', os.path.dirname(from_doc) or '.').replace(os.sep, '/')

_re_link = re.compile(r'(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*([^)\s]+)((?:\s+"[^"]*")?)\s*\)', re.S)
_re_href = re.compile(r'''(href=)(["'])([^"']+)\2''')
_re_img = re.compile(r'(!\[[^\]]*\]\(\s*)([^)\s]+)([^)]*\))')

class LinkFixer:
    "Turns nbdev's site-absolute links and links to notebooks into links relative to the page; records dangling ones"
    def __init__(self, pages:dict, nbs:Path, nbdev_names:dict|None=None):
        self.pages = pages   # source notebook (resolved Path) -> docname
        self.docs = set(pages.values())
        self.nbdev_names = nbdev_names or {}   # nbdev's page name -> docname
        self.nbs = Path(nbs).resolve()
        self.dangling = []   # (page, target)
        self.assets = {}     # a picture of the repository outside nbs/ (results/...) -> where it goes in the site's sources

    def target(self, url:str, src:Path, doc:str):
        "New URL for `url` written in notebook `src` (page `doc`): str, None to unlink, or the url unchanged"
        if re.match(r'^[a-z][a-z0-9+.-]*:', url, re.I) or url.startswith(('#', '//')): return url
        path, frag = (url.split('#', 1) + [''])[:2]
        frag = '#' + frag if frag else ''
        if url.startswith('/'):        # nbdev's doc_baseurl is '/': '/data.html#load_mnist'
            d = path.lstrip('/')
            d = d[:-5] if d.endswith('.html') else d
            d = self.nbdev_names.get(d, d)
            if d in self.docs: return _relurl(d, doc) + frag
        elif path.endswith('.ipynb'):
            p = (src.parent/path).resolve()
            if p in self.pages: return _relurl(self.pages[p], doc) + frag
        elif path.endswith('.html'):
            d = os.path.normpath(os.path.join(os.path.dirname(doc), path[:-5])).replace(os.sep, '/')
            if d in self.docs: return url
        else: return url              # anything else (a file, an image) is left as written
        self.dangling.append((doc, url))
        return None

    def asset(self, url:str, src:Path, doc:str) -> str:
        "URL in the site of a picture that notebook `src` shows by a relative path outside nbs/ (the recorded results)"
        if re.match(r'^[a-z][a-z0-9+.-]*:', url, re.I) or url.startswith(('#', '/')): return url
        p = (src.parent/url).resolve()
        if p.is_relative_to(self.nbs) or not p.is_relative_to(ROOT) or not p.is_file(): return url
        self.assets[p] = rel = Path('repo')/p.relative_to(ROOT)
        return os.path.relpath(rel.as_posix(), os.path.dirname(doc) or '.').replace(os.sep, '/')

    def markdown(self, text:str, src:Path, doc:str) -> str:
        "`text` with its markdown links and HTML hrefs fixed; a link to a page that does not exist keeps only its text"
        def sub(m):
            t = self.target(m.group(2), src, doc)
            return m.group(1) if t is None else f'[{m.group(1)}]({t}{m.group(3)})'
        def sub_href(m):
            t = self.target(m.group(3), src, doc)
            return f'{m.group(1)}{m.group(2)}{"#" if t is None else t}{m.group(2)}'
        text = _re_img.sub(lambda m: m.group(1) + self.asset(m.group(2), src, doc) + m.group(3), text)
        return _re_href.sub(sub_href, _re_link.sub(sub, text))

_re_sd_source = re.compile(r'^\[source\]\(([^)]*)\)(\{[^}]*\})?\s*$', re.M)
_re_sd_head = re.compile(r'^(#{2,6})\s+(.+?)\s*$', re.M)

def _md_escape(s): return re.sub(r'([_*\\`\[\]])', r'\\\1', s)

def show_doc_markdown(md:str, git_url:str='', branch:str='main') -> str:
    """nbdev's `show_doc` markdown made for myst: the Quarto rule and `{target=...}` source link dropped (kept, as a
    link to `git_url`, when the project has one), an anchor with nbdev's id before the heading, `__` escaped"""
    md = re.sub(r'^\s*---\s*\n', '', md, count=1)
    def src_link(m):
        url = m.group(1)
        if not git_url or url.startswith(('http://', 'https://')) and not url.startswith(git_url): return ''
        if not url.startswith(('http://', 'https://')):
            url = git_url.rstrip('/') + '/' + re.sub(r'^/?blob/[^/]+/', f'blob/{branch}/', url.lstrip('/'))
        return f'<a class="nbdev-source reference external" href="{url}">source</a>'
    md = _re_sd_source.sub(src_link, md)
    def head(m):
        name = m.group(2)
        return f'<span class="nbdev-anchor" id="{quarto_anchor(name)}"></span>\n\n{m.group(1)} {_md_escape(name)}'
    md, n = _re_sd_head.subn(head, md, count=1)
    return '<div class="nbdev-doc-rule"></div>\n\n' + md.strip() + '\n'

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def split_directives(source:str):
    "Quarto/nbdev cell options (`#| key: value` lines at the top) and the code without them"
    lines, dirs, i = source.splitlines(), {}, 0
    while i < len(lines):
        if m := _re_directive.match(lines[i]): dirs[m.group(1)] = m.group(2).strip('\'"') or 'true'
        elif lines[i].strip(): break
        i += 1
    code = '\n'.join(l for l in lines[i:] if not re.search(r'#\|\s*hide_line\s*$', l)).strip('\n')
    return dirs, code

_ids = set()
def _cell_id(seed:str) -> str:
    h = hashlib.sha1(seed.encode()).hexdigest()[:8]
    while h in _ids: h = hashlib.sha1(h.encode()).hexdigest()[:8]
    _ids.add(h)
    return h

def md_cell(text:str, seed:str) -> dict:
    return dict(cell_type='markdown', id=_cell_id(seed), metadata={}, source=text)

_CALLOUTS = dict(note='note', tip='tip', warning='warning', important='important', caution='caution')

def fix_markdown(text:str, links:LinkFixer, src:Path, doc:str) -> str:
    "Links fixed, Quarto callouts (`::: {.callout-note}`) as myst admonitions"
    text = re.sub(r'^:::\s*\{\.callout-(\w+)[^}]*\}\s*$', lambda m: ':::{' + _CALLOUTS.get(m.group(1), 'note') + '}',
                  text, flags=re.M)
    return links.markdown(text, src, doc)

def clean_notebook(nb:dict, src:Path, doc:str, links:LinkFixer, git_url:str='', branch:str='main',
                   download:str|None=None) -> dict:
    "The nbdev-processed notebook `nb` (of source `src`, page `doc`) as a notebook myst-nb renders as nbdev would"
    fm = parse_frontmatter(nb)
    cells = []
    title = fm.get('title') or src.stem
    head = f'# {title}\n'
    if fm.get('description'):
        desc = fix_markdown(str(fm['description']).strip(), links, src, doc)
        head += f'\n:::{{container}} nbdev-lead\n{desc}\n:::\n'
    if download:   # a tutorial: its notebook, outputs included, to run locally
        head += (f'\n:::{{container}} nb-download\n{{download}}`Download this notebook <{download}>` '
                 f'(`{src.relative_to(NBS).as_posix() if src.is_relative_to(NBS) else src.name}` in the repository). '
                 'To run it, see [Run the course on your machine](' + _relurl('index', doc) + '#run-the-course-on-your-machine).\n:::\n')
    cells.append(md_cell(head, f'{doc}:title'))
    for i, c in enumerate(nb['cells']):
        if 'source' not in c: continue   # removed by nbdev (hidden, exported)
        s = _src(c['source'])
        if c['cell_type'] == 'raw':
            if s.strip().startswith('---') and i < 2: continue   # the front matter
            cells.append(dict(cell_type='raw', id=_cell_id(f'{doc}:{i}'), metadata={}, source=s)); continue
        if c['cell_type'] == 'markdown':
            if s.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
            cells.append(md_cell(fix_markdown(s, links, src, doc), f'{doc}:{i}')); continue
        dirs, code = split_directives(s)
        if dirs.get('include') == 'false': continue
        outs = c.get('outputs', [])
        if dirs.get('output') == 'false': outs = []
        is_sd = c.get('has_sd') or re.match(r'^\s*show_doc\(', code)
        if dirs.get('output') == 'asis':
            md = []
            for o in outs:
                if o.get('output_type') == 'stream': md.append(_src(o.get('text')))
                elif 'text/markdown' in o.get('data', {}): md.append(_src(o['data']['text/markdown']))
            text = '\n\n'.join(md)
            if is_sd: text = show_doc_markdown(text, git_url, branch)
            if dirs.get('echo') != 'false' and code:
                cells.append(dict(cell_type='code', id=_cell_id(f'{doc}:{i}'), metadata={}, execution_count=None,
                                  source=code, outputs=[]))
            if text.strip(): cells.append(md_cell(fix_markdown(text, links, src, doc), f'{doc}:{i}:asis'))
            continue
        tags = []
        if dirs.get('echo') == 'false': tags.append('remove-input')
        if dirs.get('code-fold') in ('true', 'True'): tags.append('hide-input')
        new_outs = []
        for o in outs:
            o = copy.deepcopy(o)
            if o.get('output_type') in ('execute_result', 'display_data'):
                o.setdefault('metadata', {})
                data = o.get('data', {})
                if 'text/markdown' in data and not ({'text/html', 'image/png'} & set(data)):
                    data['text/markdown'] = fix_markdown(_src(data['text/markdown']), links, src, doc)
            if o.get('output_type') == 'execute_result': o.setdefault('execution_count', None)
            new_outs.append(o)
        if not code and not new_outs: continue
        meta = {'tags': tags} if tags else {}
        if 'hide-input' in tags and dirs.get('code-summary'):   # an exercise's answer: the toggle says so
            meta['mystnb'] = dict(code_prompt_show=dirs['code-summary'], code_prompt_hide=f"Hide {dirs['code-summary'].lower()}")
        cells.append(dict(cell_type='code', id=_cell_id(f'{doc}:{i}'), metadata=meta,   # no `has_sd`, no float `total`
                          execution_count=None, source=code, outputs=new_outs))
    meta = {k: v for k, v in nb.get('metadata', {}).items() if k in ('kernelspec', 'language_info')}
    meta.setdefault('kernelspec', dict(display_name='Python 3', language='python', name='python3'))
    meta.setdefault('language_info', dict(name='python'))
    return dict(nbformat=4, nbformat_minor=5, metadata=meta, cells=cells)

def toctree_cell(sections:dict, doc:str='index') -> dict:
    "A markdown cell with the site's (hidden) tables of contents, one per sidebar section"
    parts = []
    for caption, docs in sections.items():
        if not docs: continue
        entries = '\n'.join(_relurl(d, doc)[:-5] for d in docs)
        parts.append(f'```{{toctree}}\n:hidden:\n:caption: {caption}\n:maxdepth: 1\n\n{entries}\n```')
    return md_cell('\n\n'.join(parts), 'toctree')

# --------------------------------------------------------------------------------------------------------------------
# Putting it together

def _write_if_changed(p:Path, text:str):
    "Write `text` to `p` unless it already holds it (so that Sphinx's incremental build skips unchanged pages)"
    if p.exists() and p.read_text() == text: return
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)

def _nbdev_config():
    try:
        from nbdev.config import get_config
        cfg = get_config()
        return str(cfg.get('git_url', '') or ''), str(cfg.get('branch', 'main') or 'main')
    except Exception: return '', 'main'

def log(*a): print('[build_docs]', *a, flush=True)

def build_sources(proc:Path, nbs:Path=NBS, results:Path=RESULTS, docs:Path=DOCS, strict:bool=False) -> dict:
    "Write the Sphinx sources (cleaned notebooks, Results page, docs/*.md) to `proc`/src; return a summary"
    sys.path.insert(0, str(docs))
    import results_page
    src_dir, cache = proc/'src', proc/'nbdev'
    found = find_notebooks(nbs)
    all_nbs = found['home'] + found['library'] + found['tutorials']
    if not found['home']: raise SystemExit(f'build_docs: {nbs}/index.ipynb (the home page) is missing')
    tool_mtime = max(Path(__file__).stat().st_mtime, (ROOT/'pyproject.toml').stat().st_mtime)
    processed, t0 = {}, time.perf_counter()
    for nb in all_nbs:
        rel = nb.relative_to(nbs)
        dst = cache/rel
        if dst.exists() and dst.stat().st_mtime >= max(nb.stat().st_mtime, tool_mtime):
            processed[nb] = json.loads(dst.read_text()); continue
        t = time.perf_counter()
        processed[nb] = nbdev_process(nb, dst)
        log(f'nbdev processed {rel} in {time.perf_counter()-t:.1f} s')
    log(f'nbdev processing: {time.perf_counter()-t0:.1f} s')

    # nbdev's page names (`00_data.ipynb` -> `data`); one Sphinx keeps for itself (`search`) becomes the notebook's name
    nbdev_names = {nb.resolve(): docname_for(nb, nbs, parse_frontmatter(processed[nb])) for nb in all_nbs}
    nbdev_names[found['home'][0].resolve()] = 'index'
    reserved = {'results', 'genindex', 'search', 'py-modindex'} | {p.stem for p in docs.glob('*.md')}
    pages, seen = {}, {}
    for nb, d in nbdev_names.items():
        if Path(d).name in reserved: d = str(Path(d).with_name(nb.stem).as_posix())
        if d in seen or d in reserved:
            raise SystemExit(f'build_docs: {nb} and {seen.get(d, "a page of the site")} both make the page {d}.html')
        pages[nb], seen[d] = d, nb
    links = LinkFixer(pages, nbs, {nbdev_names[nb]: d for nb, d in pages.items()})
    links.docs |= {'results'} | {p.stem for p in docs.glob('*.md')}   # pages that are not notebooks: `results.html`, ...
    git_url, branch = _nbdev_config()

    wanted = set()
    for nb in all_nbs:
        doc = pages[nb.resolve()]
        download = None
        if nb in found['tutorials']:   # the source notebook, for the page's download link (Sphinx copies it to _downloads/)
            dl = src_dir/'_notebooks'/nb.name
            if not dl.exists() or dl.stat().st_mtime < nb.stat().st_mtime:
                dl.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(nb, dl)
            wanted.add(dl)
            download = os.path.relpath(dl, (src_dir/doc).parent).replace(os.sep, '/')
        clean = clean_notebook(processed[nb], nb, doc, links, git_url, branch, download)
        if doc == 'index':
            clean['cells'].append(toctree_cell({
                'Tutorials': [pages[p.resolve()] for p in found['tutorials']],
                'Library': [pages[p.resolve()] for p in found['library']],
                'Project': ['results'] + sorted(p.stem for p in docs.glob('*.md'))}))
        out = src_dir/(doc + '.ipynb')
        _write_if_changed(out, json.dumps(clean, indent=1, ensure_ascii=False))
        wanted.add(out)
    # pictures that notebooks' markdown refers to by a relative path
    for f in nbs.rglob('*'):
        if f.suffix.lower() in ('.png', '.jpg', '.jpeg', '.gif', '.svg') and not any(
                part.startswith(('_', '.')) or part == 'models' for part in f.relative_to(nbs).parts[:-1]):
            dst = src_dir/f.relative_to(nbs)
            if not dst.exists() or dst.stat().st_mtime < f.stat().st_mtime:
                dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, dst)
            wanted.add(dst)
    for f, rel in links.assets.items():   # pictures of results/ that notebooks link: copied under repo/
        dst = src_dir/rel
        if not dst.exists() or dst.stat().st_mtime < f.stat().st_mtime:
            dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, dst)
        wanted.add(dst)
    for f in docs.glob('*.md'):
        _write_if_changed(src_dir/f.name, f.read_text()); wanted.add(src_dir/f.name)
    res = results_page.write_results_page(results, src_dir,
                                          fix_links=lambda t: links.markdown(t, nbs/'results.md', 'results'))
    wanted |= set(res['files'])
    # pages whose notebook is gone
    for f in src_dir.rglob('*'):
        if f.is_file() and f not in wanted: f.unlink()
    if links.dangling:
        msg = '\n'.join(f'  {d}.html: {u}' for d, u in links.dangling)
        log(f'links to pages that do not exist (shown as plain text):\n{msg}')
        if strict: raise SystemExit('build_docs: dangling links (--strict)')
    return dict(pages=pages, dangling=links.dangling, results=res)

# --------------------------------------------------------------------------------------------------------------------
# Step 4: the latent-space explorer (docs/explore.md): ONNX models, data and onnxruntime-web, in the site's static files

ORT_WEB_VERSION = '1.30.0'   # onnxruntime-web from npm, pinned
ORT_WEB_FILES = ('ort.wasm.min.js', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm')   # what the page loads
NPM_CACHE = ROOT/'_proc'/'npm'   # npm installs here (ignored by git), once per version, shared by every build
# The models the page runs: name -> (run folder under results/, label, parts exported)
EXPLORER_MODELS = {
    'ae2': ('latent2/ae', 'AE, latent 2', ('decoder',)),
    'vae2': ('latent2/vae', 'VAE, latent 2', ('decoder',)),
    'ae6': ('paper/ae_latent6_seed17', 'AE, latent 6', ('decoder', 'encoder')),
    'dae6': ('paper/dae_latent6_seed17', 'DAE, latent 6', ('decoder', 'encoder')),
    'vae6': ('paper/vae_latent6_seed17', 'VAE, latent 6', ('decoder',)),
}
N_PICK = 20   # test digits of each class the reader can pick from

def ort_web_dist(cache:Path=NPM_CACHE, version:str=ORT_WEB_VERSION) -> Path:
    """The `dist` folder of onnxruntime-web `version`: `$MNIST_AE_ORT_WEB` when set (a `dist` folder installed
    elsewhere, for a build with no npm registry), else `npm install`ed once into `cache`"""
    if env := os.environ.get('MNIST_AE_ORT_WEB'):
        dist = Path(env)
        if missing := [f for f in ORT_WEB_FILES if not (dist/f).is_file()]:
            raise SystemExit(f'build_docs: MNIST_AE_ORT_WEB={env} lacks {missing}')
        return dist
    prefix = Path(cache)/f'onnxruntime-web-{version}'
    pkg = prefix/'node_modules'/'onnxruntime-web'
    def ok():
        try: return json.loads((pkg/'package.json').read_text())['version'] == version and all((pkg/'dist'/f).is_file() for f in ORT_WEB_FILES)
        except (OSError, ValueError, KeyError): return False
    if not ok():
        npm = shutil.which('npm')
        if not npm: raise SystemExit('build_docs: npm is missing: the explorer page needs onnxruntime-web from npm '
                                     '(install Node.js, or set MNIST_AE_ORT_WEB to an installed dist folder)')
        prefix.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        res = subprocess.run([npm, 'install', '--prefix', str(prefix), f'onnxruntime-web@{version}', '--no-audit',
                              '--no-fund', '--ignore-scripts', '--no-save', '--loglevel=error'],
                             capture_output=True, text=True)
        if res.returncode or not ok():
            raise SystemExit(f'build_docs: npm install onnxruntime-web@{version} failed:\n{res.stdout[-2000:]}{res.stderr[-2000:]}')
        log(f'npm installed onnxruntime-web {version} in {time.perf_counter()-t:.1f} s')
    return pkg/'dist'

def _sha(*parts) -> str:
    "A short hash of files (paths) and bytes"
    h = hashlib.sha256()
    for p in parts: h.update(p if isinstance(p, bytes) else Path(p).read_bytes())
    return h.hexdigest()[:16]

def _round(t, nd): return [[round(float(v), nd) for v in row] for row in t.tolist()]

def _grid_png(models:dict, data, fname:Path, n:int=15):
    """The picture shown when the page cannot run the models: each decoder over a grid of codes (the first two
    coordinates; any others at their median over the test set)"""
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt, torch
    from torchvision.utils import make_grid
    from mnist_autoencoders.inference import encode, decode
    fig, axs = plt.subplots(1, len(models), figsize=(6.2*len(models), 6.6), dpi=72, squeeze=False)
    for ax, (name, (m, label)) in zip(axs[0], models.items()):
        z = encode(m, data.x_test, device='cpu')
        lo, hi = z.quantile(0.01, 0).tolist(), z.quantile(0.99, 0).tolist()
        ys, xs = torch.linspace(hi[1], lo[1], n), torch.linspace(lo[0], hi[0], n)   # the top row has the largest z2
        codes = torch.stack(torch.meshgrid(ys, xs, indexing='ij')[::-1], -1).reshape(-1, 2)
        codes = torch.cat([codes, z[:, 2:].median(0).values.expand(len(codes), -1)], 1)
        ax.imshow(make_grid(decode(m, codes, device='cpu')[:, None], nrow=n, padding=0)[0], cmap='gray', vmin=0, vmax=1)
        ax.set_title(f'{label}\ncodes from ({lo[0]:.1f}, {lo[1]:.1f}) to ({hi[0]:.1f}, {hi[1]:.1f})', fontsize=11)
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(fname, dpi=72, bbox_inches='tight', pad_inches=0.1); plt.close(fig)

def build_explorer(out:Path, work:Path, results:Path=RESULTS) -> dict:
    """Write what docs/explore.md runs to `out`/_static/explorer: the recorded models' decoders (and the latent-6 AE's and
    DAE's encoders) exported to ONNX by the library (`export_onnx`), the data the page shows (computed from the test set
    with the same models), a grid picture for where the page cannot run, and onnxruntime-web's files"""
    import base64, torch
    from mnist_autoencoders.data import load_mnist
    from mnist_autoencoders.learner import load_model
    from mnist_autoencoders.export import export_onnx
    from mnist_autoencoders.inference import encode
    from mnist_autoencoders import export as export_mod
    t0 = time.perf_counter()
    dst = Path(out)/'_static'/'explorer'
    for sub in ('models', 'data', 'ort'): shutil.rmtree(dst/sub, ignore_errors=True); (dst/sub).mkdir(parents=True)
    cache = Path(work)/'explorer'; cache.mkdir(parents=True, exist_ok=True)
    data = load_mnist()
    x_test, y_test = data.x_test, data.y_test
    pick = torch.cat([(y_test == d).nonzero()[:N_PICK, 0] for d in range(10)])   # the first N_PICK test images of each digit
    manifest = dict(onnxruntime_web=ORT_WEB_VERSION, torch=torch.__version__, models={}, missing=[],
                    pick=dict(index=pick.tolist(), label=y_test[pick].tolist(),
                              pixels=base64.b64encode(x_test[pick].numpy().tobytes()).decode()))
    latent2, loaded, grid6 = {}, {}, {}
    for name, (run, label, parts) in EXPLORER_MODELS.items():
        folder = Path(results)/run
        try: m = load_model(folder, 'cpu')
        except FileNotFoundError:
            manifest['missing'].append(dict(name=name, label=label, run=f'results/{run}'))
            log(f'explorer: no recorded run in results/{run}: the page goes without {label}'); continue
        summary = json.loads((folder/'summary.json').read_text()) if (folder/'summary.json').is_file() else {}
        key = _sha(export_mod.__file__, *(t.numpy().tobytes() for t in m.state_dict().values())) + '-' + torch.__version__
        files = {}
        for part in parts:
            f = cache/f'{name}_{part}-{key}.onnx'
            if not f.is_file():
                t = time.perf_counter(); export_onnx(m, f, part)
                log(f'explorer: exported the {label} {part} to ONNX in {time.perf_counter()-t:.1f} s')
            shutil.copy2(f, dst/'models'/f'{name}_{part}.onnx')
            files[part] = f'models/{name}_{part}.onnx'
        z = encode(m, x_test, device='cpu')
        info = dict(label=label, kind=getattr(m, 'ae_config', {}).get('kind'), n_latent=m.n_latent, run=f'results/{run}', files=files,
                    vae=hasattr(m, 'reparameterize'), config=summary.get('config'), test=summary.get('test'),
                    epochs_run=summary.get('epochs_run'), wall_time_s=summary.get('wall_time_s'),
                    lo=z.min(0).values.tolist(), hi=z.max(0).values.tolist(),
                    q01=z.quantile(0.01, 0).tolist(), q99=z.quantile(0.99, 0).tolist(),
                    pick_codes=_round(z[pick], 5))
        manifest['models'][name] = info
        if m.n_latent == 2:
            latent2[name] = dict(x=[round(float(v), 3) for v in z[:, 0]], y=[round(float(v), 3) for v in z[:, 1]])
            loaded[name] = (m, label)
        elif name == 'vae6': grid6 = {name: (m, label + ' (z1, z2; the others at their median)')}
    latent2['label'] = ''.join(map(str, y_test.tolist()))
    (dst/'data'/'explorer.json').write_text(json.dumps(manifest, separators=(',', ':')))
    (dst/'data'/'latent2.json').write_text(json.dumps(latent2, separators=(',', ':')))
    if loaded or grid6: _grid_png(loaded or grid6, data, dst/'data'/'latent2-grid.png')
    dist = ort_web_dist()
    for f in ORT_WEB_FILES: shutil.copy2(dist/f, dst/'ort'/f)
    log(f'explorer: {len(manifest["models"])} models, data and onnxruntime-web {ORT_WEB_VERSION} in {time.perf_counter()-t0:.1f} s')
    return manifest

_re_id = re.compile(r'\bid="([^"]+)"')
_re_href_attr = re.compile(r'(<a\b[^>]*\bhref=")([^"#]*)#([^"]+)(")')

def fix_anchors(out:Path) -> list[str]:
    """Links to a place that its page lacks (nbdev links every back-quoted name it indexes, also methods and names that
    get no API entry of their own): `Class.method` goes to `Class`'s entry, anything else to the page's top. Returns the
    links changed, as 'page -> target#name'"""
    pages = {p.relative_to(out).as_posix(): p for p in out.rglob('*.html') if not p.relative_to(out).parts[0].startswith('_')}
    ids = {k: set(_re_id.findall(p.read_text())) for k, p in pages.items()}
    changed = []
    for name, p in pages.items():
        text = p.read_text()
        def sub(m):
            url, frag = m.group(2), m.group(3)
            if re.match(r'^[a-z][a-z0-9+.-]*:', url, re.I): return m.group(0)
            target = os.path.normpath(os.path.join(os.path.dirname(name), url)).replace(os.sep, '/') if url else name
            if target not in ids or frag in ids[target]: return m.group(0)
            changed.append(f'{name} -> {target}#{frag}')
            head = frag.split('.')[0]
            if head != frag and head in ids[target]: return f'{m.group(1)}{url}#{head}{m.group(4)}'
            return f'{m.group(1)}{url or os.path.basename(name)}{m.group(4)}'
        new = _re_href_attr.sub(sub, text)
        if new != text: p.write_text(new)
    return changed

def sphinx_build(src:Path, out:Path, doctrees:Path, jobs:str='1', quiet:bool=False) -> int:
    "Run sphinx-build (html, conf.py from docs/) on `src` into `out`"
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(DOCS), '-d', str(doctrees), '-j', str(jobs),
           str(src), str(out)]
    if quiet: cmd.insert(3, '-q')
    return subprocess.run(cmd).returncode

def main(argv=None):
    ap = argparse.ArgumentParser(prog='python tools/build_docs.py', description=__doc__.split('\n\n')[0],
                                 epilog='The steps and what they fix are described in docs/building.md.',
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default='_docs', help='folder the HTML site is written to (default: _docs)')
    ap.add_argument('--proc', default=None,
                    help="work folder for processed notebooks and Sphinx's cache (default: _proc/sphinx, or OUT.proc "
                         "beside --out when --out is given)")
    ap.add_argument('--nbs', default=str(NBS), help='notebooks folder (default: nbs)')
    ap.add_argument('--results', default=str(RESULTS), help='results folder the Results page shows (default: results)')
    ap.add_argument('--clean', action='store_true', help='delete the output and work folders first (a full rebuild)')
    ap.add_argument('--strict', action='store_true', help='fail on links to notebooks or pages that do not exist')
    ap.add_argument('-j', '--jobs', default='1', help="sphinx-build's parallel jobs (default: 1)")
    ap.add_argument('-q', '--quiet', action='store_true', help="only sphinx-build's warnings and errors")
    args = ap.parse_args(argv)
    os.chdir(ROOT)   # nbdev finds pyproject.toml from the working directory
    out = Path(args.out).resolve()
    proc = Path(args.proc).resolve() if args.proc else (ROOT/'_proc'/'sphinx' if args.out == '_docs'
                                                         else out.with_name(out.name + '.proc'))
    if args.clean:
        for d in (out, proc): shutil.rmtree(d, ignore_errors=True)
    t0 = time.perf_counter()
    build_sources(proc, Path(args.nbs).resolve(), Path(args.results).resolve(), strict=args.strict)
    t1 = time.perf_counter()
    rc = sphinx_build(proc/'src', out, proc/'doctrees', args.jobs, args.quiet)
    if rc: raise SystemExit(f'build_docs: sphinx-build failed (exit {rc})')
    if fixed := fix_anchors(out):
        log(f'{len(fixed)} links to a name without an entry of its own now go to its class or its page: ' + ', '.join(fixed))
    build_explorer(out, proc, Path(args.results).resolve())
    log(f'site written to {out}/index.html (sources {t1-t0:.1f} s, sphinx {time.perf_counter()-t1:.1f} s)')
    return out

if __name__ == '__main__': main()
