"""exposure.secrets against a real Secret Service: gnome-keyring on a private D-Bus session.

Skipped where gnome-keyring or dbus-daemon are not installed (.ci/run installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator

import keyring
import pytest

from exposure.secrets import delete_secret, get_secret, set_secret

pytestmark = pytest.mark.skipif(
    not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-daemon")),
    reason="gnome-keyring-daemon and dbus-daemon are not installed",
)


@pytest.fixture
def secret_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = tempfile.mkdtemp(prefix="exposure-keyring-")
    home, runtime = os.path.join(root, "home"), os.path.join(root, "run")
    os.makedirs(home)
    os.makedirs(runtime, mode=0o700)
    env = {
        **os.environ,
        "HOME": home,
        "XDG_RUNTIME_DIR": runtime,
        "XDG_DATA_HOME": os.path.join(home, ".local"),
    }
    bus = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        capture_output=True, text=True, env=env, check=True, timeout=10,
    )  # fmt: skip
    address, pid = bus.stdout.split()[:2]
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
    )  # fmt: skip
    assert daemon.stdin is not None and daemon.stdout is not None
    daemon.stdin.write("test-unlock-password")
    daemon.stdin.close()
    daemon.stdout.readline()  # the daemon prints its environment once it is ready
    for key in ("HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(key, env[key])
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    keyring.set_keyring(SecretService.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)
        daemon.terminate()
        daemon.wait(timeout=10)
        os.kill(int(pid), signal.SIGTERM)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.enable_socket
def test_round_trip_through_gnome_keyring(secret_service: None) -> None:
    assert get_secret("hibp") is None
    set_secret("hibp", "0123456789abcdef0123456789abcdef")
    assert get_secret("hibp") == "0123456789abcdef0123456789abcdef"
    assert delete_secret("hibp") is True
    assert get_secret("hibp") is None
    assert delete_secret("hibp") is False
