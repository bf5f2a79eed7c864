"""A full disk, for real: a small tmpfs mounted in a private mount namespace (`unshare -m`, which needs root; the mount
vanishes with the namespace, so nothing is left on the machine). Writing a record or a model there fails with an error
that names the file, leaves no truncated file under its final name, and the same command succeeds once space is freed."""
import os, shutil, subprocess, sys, textwrap
import pytest
from conftest import script

def _can_mount():
    if os.geteuid() != 0 or not shutil.which('unshare'): return False
    return subprocess.run(['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], capture_output=True).returncode == 0

@pytest.fixture(autouse=True)
def _small_disk_possible():
    "Skipped where a tmpfs cannot be mounted (not root, no unshare); under CI=true that fails instead (conftest's rule)"
    if _can_mount(): return
    msg = 'needs root and unshare to mount a small tmpfs in a private mount namespace'
    if os.environ.get('CI') == 'true': pytest.fail(f'{msg} (CI=true: a missing tool fails instead of skipping)')
    pytest.skip(msg)

def in_small_disk(tmp_path, body:str, size='48k'):
    "Run shell `body` with `$DISK` a tmpfs of `size` (remount it bigger with `grow`); return the CompletedProcess"
    disk = tmp_path/'disk'; disk.mkdir()
    sh = f"set -u\nmount -t tmpfs -o size={size} tmpfs {disk}\nDISK={disk}\ngrow() {{ mount -o remount,size=64m {disk}; }}\n" + body
    return subprocess.run(['unshare', '-m', 'bash', '-c', sh], capture_output=True, text=True, timeout=600,
                          env=os.environ | {'OMP_NUM_THREADS': '1'})

def test_write_bytes_on_a_full_disk(tmp_path):
    code = textwrap.dedent('''
        import os, sys
        from mnist_autoencoders.config import write_bytes, write_json
        d = os.environ['DISK']
        try: write_bytes(f'{d}/big.bin', b'x' * 200_000)
        except OSError as e: print('ERROR', e)
        print('FILES', sorted(os.listdir(d)))
        write_json(f'{d}/small.json', {'ok': 1}); print('FILES', sorted(os.listdir(d)))''')
    (tmp_path/'write.py').write_text(code)
    res = in_small_disk(tmp_path, f"export DISK\n{sys.executable} {tmp_path/'write.py'}")
    assert res.returncode == 0, res.stderr
    assert 'ERROR [Errno 28] No space left on device while writing' in res.stdout and 'big.bin' in res.stdout, res.stdout
    assert "FILES []" in res.stdout and "FILES ['small.json']" in res.stdout, res.stdout   # no .tmp, no truncated big.bin

def test_training_on_a_full_disk_then_resumed(tmp_path):
    "`mnist-ae train` runs out of space where it writes the model: a one-line error naming the file, no model; then it works"
    train = f"{script('mnist-ae')} train --n-train 1000 --epochs 1 --bs 128 --quiet --out $DISK/run"
    res = in_small_disk(tmp_path, f"{train}; echo \"RC=$?\"; echo LS1; ls -a $DISK/run; echo END1; grow; {train}; "
                                  f"echo \"RC2=$?\"; echo LS2; ls $DISK/run", size='48k')
    out, err = res.stdout, res.stderr
    assert 'RC=0' not in out and 'RC=' in out, out + err
    assert 'No space left on device while writing' in err and str(tmp_path/'disk'/'run') in err, err
    assert 'Traceback' not in err, err
    first = out.split('LS1', 1)[1].split('END1', 1)[0].split()
    assert 'weights.safetensors' not in first and not any(f.endswith('.tmp') for f in first), first
    assert 'RC2=0' in out, out + err
    second = out.split('LS2', 1)[1].split()
    assert {'weights.safetensors', 'weights.json', 'summary.json', 'history.csv'} <= set(second), second
