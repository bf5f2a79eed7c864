"""A search shared by worker processes through a real PostgreSQL server, a worker killed with SIGKILL mid-trial, and the
server's password kept out of every output, record and error.

The server is a throwaway of this module's own (`pg_server`): `initdb` into a temporary folder, a random role with a
random password, scram-sha-256 on 127.0.0.1 only, a free port, stopped and deleted at the end. Nothing is installed and
no system cluster is touched: where PostgreSQL's programs are missing the tests are skipped (a failure under CI=true)."""
import datetime, json, os, pwd, secrets, shutil, signal, socket, subprocess, tempfile, time, uuid
from pathlib import Path
import pytest
import optuna
import sqlalchemy as sa
from optuna.trial import TrialState
from mnist_autoencoders.search import plan_pairs
from conftest import need_binary, script

LRS, WDS, N = [1e-3, 4e-3, 1e-2], [1e-5, 1e-4], 4
ARGS = ['--trials', str(N), '--folds', '2', '--epochs', '1', '--n-train', '1200', '--lrs', ','.join(map(str, LRS)),
        '--wds', ','.join(map(str, WDS)), '--device', 'cpu', '--heartbeat', '1', '--grace', '3']
TINY = ['--trials', '1', '--folds', '2', '--epochs', '1', '--n-train', '600', '--lrs', '1e-3', '--wds', '1e-5', '--device', 'cpu']
PLAN = plan_pairs(LRS, WDS, N, seed=0)
ENV = os.environ | {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}   # two workers on two cores
WHY = "PostgreSQL's server programs (Debian: apt-get install postgresql; .ci/run installs them)"

def search_cmd(): return [script('mnist-ae'), 'search']

def _pg_bindir():
    "The folder of PostgreSQL's server programs: `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin, else PATH's"
    dirs = []
    if shutil.which('pg_config'):
        res = subprocess.run(['pg_config', '--bindir'], capture_output=True, text=True)
        if res.returncode == 0: dirs.append(Path(res.stdout.strip()))
    dirs += sorted(Path('/usr/lib/postgresql').glob('*/bin'), key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
                   reverse=True)
    d = next((d for d in dirs if (d/'initdb').exists() and (d/'pg_ctl').exists()), None)
    return Path(need_binary(d/'initdb' if d else 'initdb', WHY)).parent

def free_port():
    "A TCP port on 127.0.0.1 that nothing listens on (at this moment)"
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _alive(pid):
    try: os.kill(pid, 0); return True
    except ProcessLookupError: return False

@pytest.fixture(scope='module')
def pg_server():
    "The URL of a throwaway PostgreSQL server (a random superuser role and password, 127.0.0.1 only), stopped and deleted afterwards"
    bindir = _pg_bindir()
    initdb, pg_ctl = need_binary(bindir/'initdb', WHY), need_binary(bindir/'pg_ctl', WHY)
    as_pg = []
    if os.geteuid() == 0:              # PostgreSQL refuses to run as root: the server runs as the `postgres` user
        try: pg_user = pwd.getpwnam('postgres')
        except KeyError: pytest.fail('running as root, and there is no `postgres` user to run the server as')
        as_pg = [need_binary('runuser', 'runs the server as the postgres user'), '-u', 'postgres', '--']
    tmp = Path(tempfile.mkdtemp(prefix='mnist-ae-pg-'))   # in /tmp (not pytest's root-only folder): the postgres user must reach it
    data, pid = tmp/'data', None
    user, password = f'ae_{secrets.token_hex(4)}', secrets.token_urlsafe(24)
    def run(*cmd): return subprocess.run(as_pg + [str(c) for c in cmd], capture_output=True, text=True, timeout=120)
    try:
        (tmp/'sock').mkdir()
        pwfile = tmp/'pwfile'; pwfile.write_text(password + '\n'); pwfile.chmod(0o600)
        if as_pg:
            for p in (tmp, tmp/'sock', pwfile): os.chown(p, pg_user.pw_uid, pg_user.pw_gid)
        res = run(initdb, '-D', data, '-U', user, f'--pwfile={pwfile}', '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync')
        assert res.returncode == 0, f"initdb failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
        pwfile.unlink()
        (data/'pg_hba.conf').write_text('local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n')
        with open(data/'postgresql.conf', 'a') as f:   # a test server: 127.0.0.1, its own socket folder, speed over durability
            f.write(f"listen_addresses = '127.0.0.1'\nunix_socket_directories = '{tmp/'sock'}'\nssl = off\nfsync = off\n"
                    "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n")
        for _ in range(3):                              # a free port can be taken between the probe and the start
            port = free_port()
            res = run(pg_ctl, '-D', data, '-l', tmp/'server.log', '-o', f'-p {port}', '-w', '-t', '60', 'start')
            if (data/'postmaster.pid').exists(): pid = int((data/'postmaster.pid').read_text().split()[0])
            if res.returncode == 0: break
        log = (tmp/'server.log').read_text()[-3000:] if (tmp/'server.log').exists() else ''
        assert res.returncode == 0, f"pg_ctl start failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}\n{log}"
        yield f'postgresql+psycopg2://{user}:{password}@127.0.0.1:{port}/postgres'
    finally:
        if pid is not None and _alive(pid):
            if run(pg_ctl, '-D', data, '-m', 'fast', '-w', '-t', '60', 'stop').returncode != 0 and _alive(pid):
                os.kill(pid, signal.SIGQUIT)            # the postmaster we started, and only it: an immediate shutdown
            for _ in range(100):
                if not _alive(pid): break
                time.sleep(0.1)
        shutil.rmtree(tmp, ignore_errors=True)
        assert pid is None or not _alive(pid), f"the PostgreSQL server (pid {pid}) is still running"

@pytest.fixture(scope='module')
def pg_url(pg_server):
    "A fresh, empty database on the server (the workers race to create Optuna's tables in it)"
    u = sa.engine.make_url(pg_server)
    name = f'search_{uuid.uuid4().hex[:10]}'
    eng = sa.create_engine(u, isolation_level='AUTOCOMMIT')
    try:
        with eng.connect() as c: c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally: eng.dispose()
    return u.set(database=name).render_as_string(hide_password=False)

def start(url, study, out, quiet=True):
    cmd = search_cmd() + ARGS + ['--storage', url, '--study', study, '--out', str(out)] + (['--quiet'] if quiet else [])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)

def trials(url, study):
    storage = optuna.storages.RDBStorage(url)
    try: return optuna.load_study(study_name=study, storage=storage).get_trials()
    finally: storage.engine.dispose()

def pair(t):
    "A trial's (lr, wd): its parameters, or those it was queued with (a trial killed before it asked for them has none)"
    p = t.params or t.system_attrs['fixed_params']
    return (p['lr'], p['wd'])

def finish(p, timeout=240):
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, f"worker failed:\n{out[-3000:]}\n{err[-3000:]}"
    return out, err

def files_text(folder):
    "Everything the search wrote to `folder`"
    return ''.join(f.read_text() for f in sorted(Path(folder).iterdir()) if f.is_file())

def test_two_workers_share_one_search(pg_url, tmp_path):
    study, password = f'two-{uuid.uuid4().hex[:8]}', sa.engine.make_url(pg_url).password
    ws = [start(pg_url, study, tmp_path/f'w{i}', quiet=False) for i in range(2)]
    outs = [finish(w) for w in ws]
    ts = trials(pg_url, study)
    assert [t.state for t in ts] == [TrialState.COMPLETE] * N                 # n_trials trials, nothing else: no extra trial
    assert sorted(map(pair, ts)) == sorted(PLAN)                              # the planned pairs, none twice
    recs = [json.loads((tmp_path/f'w{i}'/'search.json').read_text()) for i in range(2)]
    assert sum(r['trials_run_here'] for r in recs) == N                       # together they ran exactly n_trials
    assert all(r['finished'] and r['best'] == recs[0]['best'] for r in recs)  # and each returned the whole search
    assert (tmp_path/'w0'/'search.csv').read_text() == (tmp_path/'w1'/'search.csv').read_text()
    for i, ((out, err), r) in enumerate(zip(outs, recs)):                     # the password is never shown
        assert password not in out + err + files_text(tmp_path/f'w{i}')
        assert ':***@127.0.0.1' in r['storage'] and ':***@127.0.0.1' in out and 'best: lr=' in out
        assert r['storage_from'] == 'argument'

def test_killed_worker_is_resumed(pg_url, tmp_path):
    study = f'kill-{uuid.uuid4().hex[:8]}'
    w = start(pg_url, study, tmp_path/'w1')
    deadline = time.time() + 180
    while True:                                    # wait for a finished trial and a trial that has just started
        assert w.poll() is None, f"the worker ended before it could be killed:\n{w.communicate()[1][-3000:]}"
        assert time.time() < deadline, 'no trial started in time'
        try: ts = trials(pg_url, study)
        except (KeyError, sa.exc.SQLAlchemyError): ts = []        # no study yet
        running = [t for t in ts if t.state == TrialState.RUNNING]
        if any(t.state == TrialState.COMPLETE for t in ts) and running and \
           datetime.datetime.now() - running[0].datetime_start < datetime.timedelta(seconds=0.5): break
        time.sleep(0.05)
    os.kill(w.pid, signal.SIGKILL); w.communicate()
    ts = trials(pg_url, study)
    killed = [t.number for t in ts if t.state == TrialState.RUNNING]
    before = {t.number: (t.datetime_complete, t.user_attrs['wall_time_s']) for t in ts if t.state == TrialState.COMPLETE}
    assert len(killed) == 1 and before, [t.state for t in ts]

    finish(start(pg_url, study, tmp_path/'w2'))
    ts = trials(pg_url, study)
    complete = [t for t in ts if t.state == TrialState.COMPLETE]
    assert sorted(map(pair, complete)) == sorted(PLAN)                        # every planned pair exactly once COMPLETE
    assert [t.number for t in ts if t.state == TrialState.FAIL] == killed     # the killed trial, marked FAIL ...
    retry = [t for t in ts if t.system_attrs.get('failed_trial') == killed[0]]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE and pair(retry[0]) == pair(ts[killed[0]])   # ... was retried
    assert len(ts) == N + 1                                                   # nothing else
    after = {t.number: (t.datetime_complete, t.user_attrs['wall_time_s']) for t in ts if t.number in before}
    assert after == before                                                    # what finished before the kill was not run again
    rec = json.loads((tmp_path/'w2'/'search.json').read_text())
    assert rec['finished'] and rec['trials_run_here'] == N - len(before) and rec['counts']['FAIL'] == 1

def query_form(url, password=None):
    "`url` with its password moved to the query string (`?password=...`), or replaced by `password`"
    u = sa.engine.make_url(url)
    return u.set(password=None).update_query_dict({'password': password or u.password}).render_as_string(hide_password=False)

def test_password_from_environment_in_query_string_never_shown(pg_url, tmp_path):
    password, url = sa.engine.make_url(pg_url).password, query_form(pg_url)
    assert f'?password={password}' in url
    res = subprocess.run(search_cmd() + TINY + ['--study', f'env-{uuid.uuid4().hex[:8]}', '--out', str(tmp_path/'q')],
                         capture_output=True, text=True, env=ENV | {'MNIST_AE_STORAGE': url}, timeout=240)
    assert res.returncode == 0, res.stderr[-3000:]
    rec = json.loads((tmp_path/'q'/'search.json').read_text())
    assert password not in res.stdout + res.stderr + files_text(tmp_path/'q')
    assert rec['storage'].endswith('?password=***') and rec['storage_from'] == 'MNIST_AE_STORAGE' and rec['finished']
    assert f"in {rec['storage']} (from $MNIST_AE_STORAGE): created" in res.stdout, res.stdout

@pytest.mark.parametrize('how', ['wrong port', 'wrong password'])
def test_failed_connection_never_shows_password(how, pg_url, tmp_path):
    u, wrong = sa.engine.make_url(pg_url), secrets.token_urlsafe(24)
    if how == 'wrong port': storage, env, expect = u.set(port=free_port()).render_as_string(hide_password=False), {}, 'Connection refused'
    else: storage, env, expect = None, {'MNIST_AE_STORAGE': query_form(pg_url, wrong)}, 'password authentication failed'
    res = subprocess.run(search_cmd() + TINY + (['--storage', storage] if storage else []) + ['--out', str(tmp_path/'x')],
                         capture_output=True, text=True, env=ENV | env, timeout=240)
    said = res.stdout + res.stderr
    assert res.returncode != 0 and 'error: Cannot open the storage postgresql+psycopg2://' in res.stderr and expect in said, said
    assert u.password not in said and wrong not in said and '***' in said
    assert not (tmp_path/'x').exists()                                        # refused before the output folder was made
