"""Servers the Hub tests run against on 127.0.0.1.

- `Mirror`: olah, a real self-hosted Hub mirror, serving git repos built from
  test repo folders (offline mode: it never tries to reach huggingface.co).
- `FaultProxy`: a plain HTTP proxy in front of olah that counts requests and
  injects faults on demand (drop the connection mid-body, answer 404 or 500).
  olah's own URLs name the proxy, so every byte the client sees passes through it.
- `UploadServer`: a stand-in for the Hub's write API, since olah has none. It
  speaks just what `HfApi.create_repo` and `upload_folder` use (create-repo,
  validate-yaml, preupload, ndjson commit with base64 "regular" files) and
  keeps what it receives; it is a fixture, not a Hub.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def git_blob_id(data: bytes) -> str:
    """git's name for a file's contents (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class FaultProxy:
    """Forwards to `upstream`; `faults[substring] = "drop" | "drop-once" | 404 | 500`, or
    "once:503" (that status to the first GET only; huggingface_hub retries a HEAD itself),
    or "head:500" (that status to every HEAD, GETs pass).

    A repo's listing (`/api/models/<repo>/revision/<rev>?blobs=true`) gets each file's size
    and blob id from `sizes` and `blobs`, as the Hub's has them and olah's does not (olah's
    repos are plain git: a file's etag is its git blob id); `listing_sizes = False` serves
    olah's as it is (a mirror whose listing has names only), `listing_blobs = False` sizes
    without blob ids; `listed[file]` overrides what a file's entry says and `listing_commit`
    the commit (a listing that lies)."""

    def __init__(self) -> None:
        self.upstream = ""
        self.faults: dict[str, str | int] = {}
        self.sizes: dict[str, dict[str, int]] = {}  # repo id -> file name -> bytes
        self.blobs: dict[str, dict[str, str]] = {}  # repo id -> file name -> git blob id
        self.listing_sizes = True
        self.listing_blobs = True
        self.listed: dict[str, dict[str, object]] = {}  # file name -> fields to list (lies)
        self.listing_commit: str | None = None  # the commit the listing names, if not its own
        self.requests: Counter[tuple[str, str]] = Counter()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self._forward(body=False)

            def do_GET(self) -> None:
                self._forward(body=True)

            def _forward(self, body: bool) -> None:
                proxy.requests[(self.command, self.path)] += 1
                fault = next((f for key, f in proxy.faults.items() if key in self.path), None)
                if isinstance(fault, str) and fault.startswith("once:") and self.command == "GET":
                    proxy.faults = {k: v for k, v in proxy.faults.items() if v != fault}
                    fault = int(fault.removeprefix("once:"))
                if isinstance(fault, str) and fault.startswith("once:"):
                    fault = None  # a HEAD passes
                if isinstance(fault, str) and fault.startswith("head:"):
                    fault = int(fault.removeprefix("head:")) if self.command == "HEAD" else None
                if isinstance(fault, int):
                    self.send_response(fault)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                connection = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                connection.request(self.command, self.path, headers=headers)
                response = connection.getresponse()
                data = response.read()
                connection.close()
                if self.command == "GET" and "blobs=true" in self.path:
                    data = proxy._with_sizes(self.path, data)
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                # a HEAD answers with the length of the body a GET would send
                length = str(len(data)) if body else response.getheader("Content-Length", "0")
                self.send_header("Content-Length", length)
                self.end_headers()
                if not body:
                    return
                if fault in ("drop", "drop-once") and self.command == "GET" and len(data) > 1:
                    if fault == "drop-once":
                        proxy.faults = {k: v for k, v in proxy.faults.items() if v != fault}
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(data)

        self.server = _serve(Handler)
        self.netloc = f"127.0.0.1:{self.server.server_address[1]}"

    def _with_sizes(self, path: str, data: bytes) -> bytes:
        repo_id = path.removeprefix("/api/models/").split("/revision/")[0]
        if not self.listing_sizes or repo_id not in self.sizes:
            return data
        listing = json.loads(data)
        for sibling in listing.get("siblings", []):
            if (size := self.sizes[repo_id].get(sibling["rfilename"])) is not None:
                sibling["size"] = size
            if self.listing_blobs and (blob := self.blobs[repo_id].get(sibling["rfilename"])):
                sibling["blobId"] = blob
            sibling.update(self.listed.get(sibling["rfilename"], {}))
        if self.listing_commit is not None:
            listing["sha"] = self.listing_commit
        return json.dumps(listing).encode()

    def gets(self, filename: str) -> int:
        """How many GETs asked for `filename` (resolve URLs end with it)."""
        return sum(
            n
            for (cmd, path), n in self.requests.items()
            if cmd == "GET" and path.endswith(filename)
        )


class Mirror:
    """olah serving `root/mirrors/models/<org>/<name>` git repos, behind a FaultProxy."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.mirrors = root / "mirrors"
        self.proxy = FaultProxy()
        port = free_port()
        self.proxy.upstream = f"127.0.0.1:{port}"
        config = root / "olah.toml"
        config.write_text(
            "[basic]\n"
            f'host = "127.0.0.1"\nport = {port}\n'
            f'repos-path = "{root / "repos"}"\n'
            f'mirrors-path = ["{self.mirrors}"]\n'
            'hf-netloc = "127.0.0.1:9"\nhf-lfs-netloc = "127.0.0.1:9"\n'
            f'mirror-netloc = "{self.proxy.netloc}"\nmirror-lfs-netloc = "{self.proxy.netloc}"\n'
            "[accessibility]\noffline = true\n"
        )
        olah = shutil.which("olah-cli") or str(Path(sys.executable).with_name("olah-cli"))
        self.log = (root / "olah.log").open("w")
        self.process = subprocess.Popen(
            [olah, "-c", str(config), "--log-path", str(root / "logs")],
            cwd=root,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait(port)
        self.endpoint = f"http://{self.proxy.netloc}"

    def _wait(self, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"olah exited: {(self.root / 'olah.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("olah did not start within 60 s")

    def publish(self, folder: Path, repo_id: str) -> Path:
        """Commit the files of `folder` as the git repo `repo_id` (replacing an earlier one)."""
        repo = self.mirrors / "models" / repo_id
        shutil.rmtree(repo, ignore_errors=True)
        shutil.copytree(folder, repo)
        files = [p for p in folder.iterdir() if p.is_file()]
        self.proxy.sizes[repo_id] = {p.name: p.stat().st_size for p in files}
        self.proxy.blobs[repo_id] = {p.name: git_blob_id(p.read_bytes()) for p in files}
        git = ["git", "-c", "user.name=genzoo-tests", "-c", "user.email=tests@genzoo.invalid"]
        for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "publish"]):
            subprocess.run([*git, *args], cwd=repo, check=True)
        return repo

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        stop(self.proxy.server)
        self.log.close()


class UploadServer:
    """Records what `genzoo push` sends through HfApi: repos created and files committed."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, bytes]] = {}
        self.unknown: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(body)
                    server.created.append(request)
                    repo_id = f"{request['organization']}/{request['name']}"
                    server.files.setdefault(repo_id, {})
                    self._reply(200, {"url": f"{server.endpoint}/{repo_id}", "id": repo_id})
                elif path == "/api/validate-yaml":
                    self._reply(200, {"errors": [], "warnings": []})
                elif "/preupload/" in path:
                    files = json.loads(body)["files"]
                    modes = [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                        for f in files
                    ]
                    self._reply(200, {"files": modes, "commitOid": "0" * 40})
                elif "/commit/" in path:
                    repo_id = path.split("/api/models/")[1].split("/commit/")[0]
                    for line in body.splitlines():
                        item = json.loads(line)
                        if item["key"] == "file":
                            value = item["value"]
                            server.files[repo_id][value["path"]] = base64.b64decode(
                                value["content"]
                            )
                    oid = "c" * 40
                    url = f"{server.endpoint}/{repo_id}/commit/{oid}"
                    self._reply(200, {"commitUrl": url, "commitOid": oid})
                else:
                    server.unknown.append(f"POST {path}")
                    self._reply(404, {"error": f"the fixture does not speak {path}"})

            def do_GET(self) -> None:
                server.unknown.append(f"GET {self.path}")
                self._reply(404, {"error": "not found"})

        self.server = _serve(Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
