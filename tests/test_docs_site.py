"""The documentation site, built by tools/build_docs.py and opened in a real browser (Debian's headless Chromium).

Every built page loads (HTTP 200, no JavaScript error, no failed request), every internal link leads to a page that
exists, every picture loads, and no request leaves 127.0.0.1 (requests elsewhere are recorded and aborted). The home
and Results pages (and a library page) are saved as screenshots to $DOCS_ARTIFACTS (default: test-artifacts/).
"""
import os, subprocess, sys, threading, time, urllib.error, urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlsplit
import pytest
from conftest import ROOT

CHROMIUM = Path('/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
ARTIFACTS = Path(os.environ.get('DOCS_ARTIFACTS') or ROOT/'test-artifacts')
LOCAL_SCHEMES = ('data:', 'blob:', 'about:', 'chrome-error:')

def _need_chromium():
    if not CHROMIUM.exists():
        pytest.fail(f'{CHROMIUM} is missing: run `bash tools/install_chromium.sh` (CI runs it before the tests)')
    try: import playwright.sync_api  # noqa: F401
    except ImportError: pytest.fail('playwright is missing: pip install -e ".[dev]"')

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The site, built into a temporary folder"
    _need_chromium()
    out = tmp_path_factory.mktemp('site')/'_docs'
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, 'tools/build_docs.py', '--out', str(out), '--quiet'], cwd=ROOT,
                         capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert res.returncode == 0, f'build_docs.py failed:\n{res.stdout[-5000:]}\n{res.stderr[-5000:]}'
    print(f'site built in {time.perf_counter()-t0:.1f} s')
    return out

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        "A request the browser dropped (a navigation cancels what it no longer needs) is no error of the site"
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

@pytest.fixture(scope='module')
def server(site):
    "The site served on 127.0.0.1, on a free port"
    httpd = _Server(('127.0.0.1', 0), partial(_Quiet, directory=str(site)))
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown(); httpd.server_close()

def _is_local(url:str) -> bool:
    return url.startswith(LOCAL_SCHEMES) or urlsplit(url).hostname == '127.0.0.1'

_IMAGES_JS = """async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  return imgs.map(img => ({src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0}));
}"""

@pytest.fixture(scope='module')
def crawl(site, server, tmp_path_factory):
    "Open every built page in Chromium; record statuses, errors, requests, links and pictures"
    from playwright.sync_api import sync_playwright
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html')
                   if not p.relative_to(site).parts[0].startswith('_'))
    rec = dict(pages=pages, status={}, errors=[], requests=[], outside=[], failed=[], links=set(), images=[], text={})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp('chromium-profile')), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={'width': 1280, 'height': 900}, service_workers='block')
        def route(r):
            rec['requests'].append(r.request.url)
            if _is_local(r.request.url): r.continue_()
            else: rec['outside'].append(r.request.url); r.abort()
        ctx.route('**/*', route)
        page = ctx.new_page()
        current = {}
        page.on('pageerror', lambda e: rec['errors'].append((current['page'], str(e))))
        page.on('requestfailed', lambda r: rec['failed'].append((current['page'], r.url, r.failure)))
        page.on('response', lambda r: r.status >= 400 and rec['failed'].append((current['page'], r.url, r.status)))
        shots = {'index.html': 'home', 'results.html': 'results', 'data.html': 'api-data'}
        for p in pages:
            current['page'] = p
            resp = page.goto(server + p, wait_until='load')
            page.wait_for_load_state('networkidle')
            rec['status'][p] = resp.status if resp else None
            rec['images'] += [(p, i['src'], i['ok']) for i in page.evaluate(_IMAGES_JS)]
            for href in page.eval_on_selector_all('a[href]', 'els => els.map(e => e.href)'):
                if href.startswith(server): rec['links'].add((p, urldefrag(href)[0]))
            if p in shots:
                rec['text'][p] = page.inner_text('body')
                page.screenshot(path=str(ARTIFACTS/f'{shots[p]}.png'))
                page.screenshot(path=str(ARTIFACTS/f'{shots[p]}-full.png'), full_page=True)
        ctx.close()
    return rec

def test_site_has_its_pages(crawl):
    pages = set(crawl['pages'])
    assert {'index.html', 'results.html', 'building.html', 'data.html', 'learner.html'} <= pages, sorted(pages)
    nbs = [p for p in (ROOT/'nbs').glob('[0-9]*.ipynb') if not p.name.startswith('_')]
    tuts = [p for p in (ROOT/'nbs'/'tutorials').glob('*.ipynb') if not p.name.startswith('_')]
    assert len([p for p in pages if '/' not in p]) >= len(nbs) + 1
    assert len([p for p in pages if p.startswith('tutorials/')]) == len(tuts)

def test_every_page_loads(crawl):
    bad = {p: s for p, s in crawl['status'].items() if s != 200}
    assert not bad, f'pages not served with 200: {bad}'
    assert not crawl['errors'], 'JavaScript errors:\n' + '\n'.join(f'{p}: {e}' for p, e in crawl['errors'])
    assert not crawl['failed'], 'failed requests:\n' + '\n'.join(map(str, crawl['failed']))

def test_internal_links_resolve(crawl, server):
    targets = {t for _, t in crawl['links']}
    linked = {t[len(server):] or 'index.html' for t in targets}
    assert set(crawl['pages']) - {'genindex.html'} <= linked, 'pages no link leads to'   # the sidebar links them all
    bad = []
    for t in sorted(targets):
        try:
            with urllib.request.urlopen(t, timeout=10) as r: ok = r.status == 200
        except urllib.error.URLError: ok = False
        if not ok: bad.append(t)
    assert not bad, 'broken internal links:\n' + '\n'.join(f'{p} -> {t}' for p, t in sorted(crawl['links'])
                                                          if t in bad)

def test_images_load(crawl):
    assert crawl['images'], 'no picture on any page'
    bad = [(p, s) for p, s, ok in crawl['images'] if not ok]
    assert not bad, 'pictures that did not load:\n' + '\n'.join(map(str, bad))
    assert any(p == 'results.html' for p, _, _ in crawl['images']) or not (ROOT/'results'/'paper'/'figures').exists()

def test_no_request_leaves_localhost(crawl):
    assert crawl['requests'], 'no request recorded'
    assert not crawl['outside'], 'requests to outside 127.0.0.1:\n' + '\n'.join(sorted(set(crawl['outside'])))

def test_screenshots_saved(crawl):
    for name in ('home', 'results'):
        f = ARTIFACTS/f'{name}.png'
        assert f.exists() and f.stat().st_size > 10_000, f

def test_results_page_shows_the_paper_tables(crawl):
    "The Results page puts the paper run's Tables 1-3 (read here from results/paper) beside the report's numbers"
    import json
    f = ROOT/'results'/'paper'/'results.json'
    if not f.exists(): pytest.skip('no paper reproduction recorded')
    t, text = json.loads(f.read_text())['tables'], crawl['text']['results.html']
    for k, m in [('ae', 'mse'), ('ae', 'mse_gaussian'), ('ae', 'mse_occlusion'), ('dae', 'mse'), ('dae', 'mse_gaussian'),
                 ('dae', 'mse_occlusion'), ('vae', 'loss'), ('vae', 'loss_sampled')]:
        assert f"{t[k][m]['ours']:.4f}" in text and f"{t[k][m]['report']:.3f}" in text, (k, m)
    for fig in ('Fig. 1', 'Fig. 2', 'Fig. 5', 'Fig. 7', 'Fig. 8', 'Fig. 9'): assert fig in text, fig
    assert 'Where we match, beat or miss the report' in text
