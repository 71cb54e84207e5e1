"""`dbtui serve`: the app in a browser through textual-serve, on 127.0.0.1 unless asked.

The server runs as a real process; a real HTTP client (aiohttp, which textual-serve runs on)
loads the page and opens its websocket, which starts a dbtui process that draws the app.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.functional.cli_runner import run_process
from tests.functional.test_cli import assert_one_line_failure
from tui.cli import main

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def load_page(url: str, server: subprocess.Popen[str]) -> str:
    """GET `url` until the server answers (failing if the server ends first)."""
    deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
    async with aiohttp.ClientSession() as session:
        while True:
            if server.poll() is not None:
                raise AssertionError(f"the server ended: {server.communicate()}")
            try:
                async with session.get(url) as response:
                    assert response.status == 200
                    return await response.text()
            except aiohttp.ClientConnectionError:
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"no answer from {url}") from None
                await asyncio.sleep(0.1)


async def screen_through_websocket(url: str, *needles: str) -> str:
    """Open the page's websocket and read what the app draws until every needle appeared."""
    seen = ""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket_:
        async with asyncio.timeout(STARTUP_SECONDS):
            async for message in socket_:
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data.decode("utf-8", "replace")
                elif message.type == aiohttp.WSMsgType.TEXT:
                    seen += message.data
                else:
                    break
                if all(needle in seen for needle in needles):
                    return seen
    raise AssertionError(f"the app never drew {needles}: {seen[-500:]!r}")


async def test_the_page_and_its_websocket_run_the_app(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), "--sqlite", "served.db"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = await load_page(f"http://127.0.0.1:{port}/", server)
        websocket = f"ws://127.0.0.1:{port}/ws"
        assert websocket in page and "dbtui" in page
        # The header names the database the flags chose; the empty Users list shows once that
        # database was created and migrated by the app the websocket started.
        await screen_through_websocket(
            f"{websocket}?width=120&height=30", "DEVELOPMENT", "served.db", "No users yet."
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert f"http://127.0.0.1:{port}" in out, (out, err)
    assert (tmp_path / "served.db").is_file()  # the app ran in the server's folder


def test_another_address_needs_an_explicit_flag(tmp_path: Path) -> None:
    # a process of its own: were it not refused, it would serve until stopped
    run = run_process("serve", "--host", "0.0.0.0", "--port", str(free_port()), cwd=tmp_path)
    assert_one_line_failure(run, "refusing to listen on 0.0.0.0", "no authentication")


def test_an_allowed_remote_address_warns_that_there_is_no_authentication(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str, str, int, str | None]] = []
    monkeypatch.setattr(
        "tui.serve.serve", lambda *args: started.append(args)
    )  # the web server itself is the test above; here only what is said first
    code = main(["--env", "testing", "serve", "--host", "0.0.0.0", "--allow-remote"])
    assert code == 0
    err = capsys.readouterr().err
    assert "warning: dbtui serve has no authentication" in err
    assert "http://0.0.0.0:8000" in err
    [(command, host, port, _url)] = started
    assert (host, port) == ("0.0.0.0", 8000)
    assert command.endswith("-m tui --env testing")
