"""The headless core never loads the UI libraries; `exposure --help` stays light."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import exposure

UI_MODULES = ("textual", "rich")


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(exposure.__path__, "exposure."):
        top = info.name.split(".")[1]
        if top in {"cli", "tui", "__main__"}:
            continue
        names.append(info.name)
    return names


def _loaded_after_import(modules: list[str], watch: tuple[str, ...]) -> dict[str, list[str]]:
    code = (
        "import importlib, json, sys\n"
        f"watch = {list(watch)!r}\n"
        "out = {}\n"
        f"for name in {modules!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    bad = [m for m in sys.modules if m.split('.')[0] in watch]\n"
        "    if bad: out[name] = sorted(set(m.split('.')[0] for m in bad))\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(result.stdout))


def test_nothing_below_cli_and_tui_imports_textual_or_rich() -> None:
    modules = _core_modules()
    assert len(modules) > 10  # the walk found the package
    assert _loaded_after_import(modules, UI_MODULES) == {}


def test_help_does_not_import_textual_httpx_or_rich() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from exposure.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'httpx', 'rich'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
