"""`make run PORT=...` says which address it serves, and serves it there."""

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_prints_and_serves_the_port_it_is_given():
    root = Path(__file__).resolve().parents[1]
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "PORT=8101"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "demo_logins --address http://127.0.0.1:8101/" in dry_run
    assert 'echo "CT Portal: http://127.0.0.1:8101/ (demo logins above)"' in dry_run
    assert dry_run.rstrip().endswith("manage.py runserver 127.0.0.1:8101")
