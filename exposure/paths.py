"""Where exposure keeps its state.

One directory holds everything (database, caches): ``$EXPOSURE_HOME`` when set, else the
platform's user data directory. It is created 0700; files in it are 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "exposure"


def home() -> Path:
    """The data directory, created with mode 0700 if missing (and tightened if too open)."""
    env = os.environ.get("EXPOSURE_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        import platformdirs

        path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def db_path() -> Path:
    return home() / "exposure.db"


def cache_dir() -> Path:
    path = home() / "cache"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist; tighten it if it does."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (temp file + rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
