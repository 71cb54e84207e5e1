"""`dbtui serve`: the same app in a web browser, through textual-serve.

textual-serve runs a web server; each browser tab that opens the page starts its own `dbtui`
process (the command built here, with the same database flags) and talks to it over a
websocket. There is no authentication: whoever reaches the address can use the app and its
database. So it listens on 127.0.0.1 unless another address is asked for explicitly.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from collections.abc import Sequence

NO_AUTHENTICATION = (
    "dbtui serve has no authentication: anyone who can reach {url} can browse and edit "
    "the database this app opens"
)


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(arguments: Sequence[str]) -> str:
    """The shell command textual-serve runs per browser tab: this Python, `-m tui`, and
    `arguments` (the app's flags), quoted."""
    return shlex.join([sys.executable, "-m", "tui", *arguments])


def public_url_for(host: str, port: int) -> str:
    """The address the page tells the browser to connect back to."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(command: str, host: str, port: int, public_url: str | None = None) -> None:
    """Run the web server until interrupted (blocks)."""
    from textual_serve.server import Server

    server = Server(
        command,
        host=host,
        port=port,
        title="dbtui",
        public_url=public_url or public_url_for(host, port),
    )
    server.serve()
