"""Load run: gunicorn on loopback, wrk for 60 s on a mix of main pages, at 50,000 bottlenecks.

Reuses the 50k database `bench.page_timings` leaves behind with `BENCH_KEEP=50000` (else
builds it), signs in three viewers through the test client with the server's secret key, and
hands their session cookies to wrk in a Lua script that cycles through the pages. Prints
throughput, latency percentiles and errors (socket errors plus non-200 responses); drops the
database afterwards. Not part of `make test`; `make bench` installs wrk when it is missing.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import page_timings
from tests import pg_admin
from tests.mail import free_port

SIZE = int(os.environ.get("BENCH_LOAD_SIZE", 50_000))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 60))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", 8))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", 2))  # as in the Procfile

LUA = """
local requests = {%s}
local n = 0
local failures = 0
request = function()
  n = n + 1
  local r = requests[(n %% #requests) + 1]
  return wrk.format("GET", r[1], {["Cookie"] = r[2]})
end
response = function(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end
"""


def cookies(secret: str, logins: dict[str, str]) -> dict[str, str]:
    """A signed-in session cookie per viewer, made by the app with the server's secret key."""
    app = page_timings.bench_app(SIZE, SECRET_KEY=secret)
    result = {}
    for viewer, email in logins.items():
        client = app.test_client()
        assert client.login(email, page_timings.PASSWORD).status_code == 302
        result[viewer] = f"session={client.get_cookie('session').value}"
    return result


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: `make wrk` installs it")
    name = page_timings.database(SIZE)
    if not pg_admin.exists(name):
        page_timings.build(SIZE)
    app = page_timings.bench_app(SIZE)
    with app.app_context():
        logins, ids = page_timings.prepare()
    secret = secrets.token_hex(32)
    sessions = cookies(secret, logins)
    mix = [(url, sessions[viewer]) for viewer, _, url, _ in page_timings.pages(ids)]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"{page_timings.PG_URL}/{name}",
        "SECRET_KEY": secret,
        "SESSION_COOKIE_SECURE": "0",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            str(Path(__file__).parent.parent / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
            "tracker:create_app()",
        ],
        env=env,
    )
    try:
        wait_for(port, server)
        for url, cookie in mix:  # wrk counts a redirect to the login page as a success
            request = urllib.request.Request(f"http://127.0.0.1:{port}{url}")
            request.add_header("Cookie", cookie)
            with urllib.request.build_opener(NoRedirect).open(request) as response:
                assert response.status == 200, (url, response.status)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            entries = ", ".join(f'{{"{url}", "{cookie}"}}' for url, cookie in mix)
            script.write(LUA % entries)
        output = subprocess.run(
            [
                wrk,
                "--threads",
                "2",
                "--connections",
                str(CONNECTIONS),
                "--duration",
                f"{SECONDS}s",
                "--timeout",
                "10s",
                "--latency",
                "--script",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(script.name)
        if str(SIZE) != os.environ.get("BENCH_KEEP"):
            pg_admin.drop(name)
    print(output)
    non_200 = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    rate = re.search(r"Requests/sec:\s+(\S+)", output).group(1)
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    print(
        f"{len(mix)} pages in the mix, {CONNECTIONS} connections, {WORKERS} gunicorn workers,"
        f" {SECONDS} s: {rate} requests/s, p99 {p99},"
        f" non-2xx/3xx {non_200.group(1) if non_200 else 0},"
        f" socket errors: {socket_errors.group(1) if socket_errors else 'none'}"
    )


if __name__ == "__main__":
    main()
