"""Offline commands open no socket: pytest-socket blocks them all here, so any attempt fails."""

from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError

from tests.cli.helpers import run


def test_the_guard_is_active() -> None:
    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


@pytest.mark.parametrize(
    "argv",
    [
        ("profile", "set", "--name", "Ada", "--country", "US", "--region", "CA"),
        ("profile", "show", "--json"),
        ("inventory", "add", "spokeo.com"),
        ("inventory", "--json"),
        ("catalog", "search", "experian", "--json"),
        ("catalog", "stats", "--json"),
        ("settings", "show", "--json"),
    ],
)
def test_offline_commands_open_no_socket(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    result = run(capsys, *argv)
    assert result.code == 0, result.err
    assert "Socket" not in result.err
