"""Sphinx configuration of the documentation site (built by `python tools/build_docs.py`, see docs/building.md).

The sources Sphinx reads are generated (nbdev-processed notebooks, the Results page) into a work folder; this
folder, docs/, holds only the configuration, the static files and the hand-written pages. Everything the pages load
is served by the site itself: furo loads no web fonts, myst-nb executes nothing, and MathJax comes from the
`sphinx-mathjax-offline` package instead of a CDN.
"""
import re, shutil, tomllib
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
_pyproject = tomllib.loads((ROOT/'pyproject.toml').read_text())
_init = (ROOT/'mnist_autoencoders'/'__init__.py').read_text()

project = _pyproject['project']['name']
author = ', '.join(a.get('name', '') for a in _pyproject['project'].get('authors', []))
copyright = author
release = version = (re.search(r'__version__\s*=\s*[\'"]([^\'"]+)', _init) or [None, ''])[1]

extensions = ['myst_nb', 'sphinx.ext.mathjax']
exclude_patterns = ['**/.ipynb_checkpoints', '_notebooks']   # _notebooks: the tutorials' sources, downloads only

# myst-nb: show the stored outputs, never run a notebook
nb_execution_mode = 'off'
nb_merge_streams = True
nb_output_stderr = 'show'
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence']
myst_all_links_external = True      # build_docs.py has already made every link point at a page (or removed it)
suppress_warnings = ['myst.header']  # nbdev's show_doc headings are h3, also under a page's h1

html_theme = 'furo'
html_title = project
html_static_path = ['_static']
html_css_files = ['custom.css']
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {'navigation_with_keys': True}

# MathJax from the site itself (sphinx.ext.mathjax adds it only to pages with maths)
mathjax_path = 'mathjax/tex-chtml.js'
_MATHJAX_PARTS = ['tex-chtml.js', 'input', 'output/chtml', 'ui', 'a11y', 'sre', 'adaptors']

def _mathjax_dir() -> Path:
    try: d = Path(metadata.distribution('sphinx-mathjax-offline').locate_file('sphinx-mathjax-offline/static/mathjax'))
    except metadata.PackageNotFoundError: d = None
    if d is None or not (d/'tex-chtml.js').exists():
        raise RuntimeError("MathJax is served from the site itself: install the docs' dependencies "
                           "(pip install -e '.[dev]', which brings sphinx-mathjax-offline)")
    return d

def _copy_mathjax(app, exc):
    "Copy the parts of MathJax 3 that tex-chtml.js loads into the site's _static/mathjax"
    if exc is not None or app.builder.format != 'html': return
    src, dst = _mathjax_dir(), Path(app.outdir)/'_static'/'mathjax'
    for part in _MATHJAX_PARTS:
        s, d = src/part, dst/part
        if s.is_dir(): shutil.copytree(s, d, dirs_exist_ok=True)
        elif not d.exists() or d.stat().st_size != s.stat().st_size:
            d.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(s, d)

def _nb_output_folder(app):
    "myst-nb writes notebook pictures to OUT/../jupyter_execute (beside the site: the repo's root for _docs/); "
    "move that folder next to Sphinx's doctrees, in the build's work folder"
    cfg = getattr(app.env, 'mystnb_config', None)
    if cfg is not None: app.env.mystnb_config = cfg.copy(output_folder=str(Path(app.doctreedir).parent/'jupyter_execute'))

def setup(app):
    _mathjax_dir()
    app.connect('builder-inited', _nb_output_folder, priority=900)   # after myst-nb's own handler (priority 500)
    app.connect('build-finished', _copy_mathjax)
