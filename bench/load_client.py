"""The simulated users of one phase of bench/load.py: asyncio coroutines, each with its own
cookies, over a small HTTP/1.1 client of the standard library's streams. Run by bench/load.py,
which reads its stdout: "MEASURE START" once every user has logged in (the measured window
begins), "MEASURE END" once the last loop begun before the deadline has finished. Writes every
request's time and outcome, the errors and the verdicts the server accepted to --out as JSON.

Each reviewer logs in (login form, login, home) and reviews one claim to warm the server up
(not measured; its verdict is checked like the others), then loops until the deadline: /review/next/
(302 to the claim it leased), that article page, think time, then the verdict saved as the
review panel saves it (htmx POST of the panel's form with its CSRF token; accepted when the
answer carries the `verdictSaved` event for that claim). One lead polls the dashboard every 5 s;
one API client downloads the JSON Lines export with the lead's token every 10 s.

Requests go out as a TLS-terminating proxy in front of the app would pass them on
(X-Forwarded-Proto: https), so the production settings (secure cookies, HTTPS redirect) stay
as they are; the cookies are sent back as a browser behind that proxy would send them.
"""

import argparse
import asyncio
import itertools
import json
import random
import re
import sys
import time
from urllib.parse import urlencode, urlsplit

LOGIN = "/accounts/login/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REVIEW = re.compile(r'<section id="review" class="review" data-claim-id="(\d+)"')
HIDDEN = re.compile(r'name="(expected_revision|claim_version)" value="(\d+)"')
LABELS = ("confirmed", "contested", "unverifiable")
TIMEOUT = 60
LOGIN_WINDOW = 240
DRAIN = 90  # at most this long after the deadline for the loops under way to finish


class Response:
    def __init__(self, status: int, headers: dict[str, list[str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str | None:
        values = self.headers.get(name)
        return values[-1] if values else None


async def http(host: str, port: int, method: str, path: str, headers: dict[str, str],
               body: bytes = b"") -> Response:
    """One HTTP/1.1 request on its own connection (gunicorn's sync workers close each one),
    read to the last byte: Content-Length, chunked, or up to the end of the connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
                *(f"{name}: {value}" for name, value in headers.items())]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        received: dict[str, list[str]] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                received.setdefault(name.strip().lower(), []).append(value.strip())
        if "content-length" in received:
            data = await reader.readexactly(int(received["content-length"][-1]))
        elif "chunked" in (received.get("transfer-encoding") or [""])[-1].lower():
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b""):
                        pass  # trailers
                    break
                parts.append(await reader.readexactly(size + 2))
            data = b"".join(part[:-2] for part in parts)
        else:
            data = await reader.read()
        return Response(status, received, data)
    finally:
        writer.close()


class Run:
    """What the users of a phase share: the schedule, the measurements, the outcomes."""

    def __init__(self, args):
        self.args = args
        with open(args.users) as accounts:
            self.accounts = json.load(accounts)
        self.users = len(self.accounts["reviewers"]) + 2  # and the lead and the API client
        self.logged_in = 0
        self.all_in = asyncio.Event()
        self.go = asyncio.Event()
        self.measure_start = self.deadline = 0.0
        self.in_flight = 0
        self.samples: dict[str, list] = {}
        self.errors: list[str] = []
        self.accepted: list[dict] = []
        self.seq = itertools.count(1)

    async def ready(self) -> None:
        self.logged_in += 1
        if self.logged_in == self.users:
            self.all_in.set()
        await self.go.wait()

    def running(self) -> bool:
        return time.time() < self.deadline


class Visitor:
    """A browser (or a script) with its own cookies."""

    def __init__(self, run: Run, url: str):
        self.run = run
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.netloc}"
        self.cookies: dict[str, str] = {}

    async def fetch(self, kind: str, method: str, path: str, *, expect: int,
                    headers: dict | None = None, data: dict | None = None
                    ) -> Response | None:
        """One request, timed to its last byte and recorded under `kind`; an error (None
        returned) unless the answer's status is `expect`."""
        sent = {"X-Forwarded-Proto": "https", "User-Agent": "claimdesk-load"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if method == "POST":
            sent |= {"Origin": self.origin, "Referer": self.origin + path,
                     "Content-Type": "application/x-www-form-urlencoded"}
            body = urlencode(data or {}).encode()
        sent |= headers or {}
        started = time.perf_counter()
        try:
            response = await asyncio.wait_for(
                http(self.host, self.port, method, path, sent, body), TIMEOUT)
            error = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            response, error = None, exc
        elapsed = (time.perf_counter() - started) * 1000
        ok = response is not None and response.status == expect
        self.run.samples.setdefault(kind, []).append((time.time(), round(elapsed, 2), ok))
        if not ok:
            detail = (f"status {response.status}: {response.body[:160]!r}" if response
                      else repr(error))
            self.failed(kind, f"{method} {path}: expected {expect}, {detail}")
            return None
        for cookie in response.headers.get("set-cookie", []):
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if "max-age=0" in cookie.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return response

    def failed(self, kind: str, message: str) -> None:
        self.run.errors.append(f"{kind}: {message}")

    async def login(self, username: str) -> bool:
        form = await self.fetch("login form", "GET", LOGIN, expect=200)
        token = TOKEN.search(form.body.decode()) if form else None
        if token is None:
            return False
        if await self.fetch("login", "POST", LOGIN, expect=302, data={
                "csrfmiddlewaretoken": token.group(1), "username": username,
                "password": self.run.accounts["password"]}) is None:
            return False
        return await self.fetch("home", "GET", "/", expect=200) is not None


class Reviewer(Visitor):
    def __init__(self, run: Run, url: str, username: str):
        super().__init__(run, url)
        self.username = username
        self.rng = random.Random(username)

    async def main(self) -> None:
        if not await self.login(self.username):
            self.failed("login", f"{self.username} could not log in")
        await self.review_one()  # warm-up, before the measured window
        await self.run.ready()
        low, high = self.run.args.think
        if high:
            # Reviewers who think are each somewhere in their reading when the window opens,
            # as on a desk; started in the same instant, all 50 asked for their next claim
            # together and that one burst made the first second's requests the phase's p99.
            await asyncio.sleep(self.rng.uniform(0, high))
        while self.run.running():
            self.run.in_flight += 1
            try:
                await self.review_one()
            finally:
                self.run.in_flight -= 1

    async def review_one(self) -> None:
        leased = await self.fetch("next", "GET", "/review/next/", expect=302)
        if leased is None:
            return
        location = urlsplit(leased.header("location"))
        page_path = f"{location.path}?{location.query}"
        claim_id = int(re.search(r"claim=(\d+)", location.query).group(1))
        page = await self.fetch("page", "GET", page_path, expect=200)
        if page is None:
            return
        html = page.body.decode()
        shown, token = REVIEW.search(html), TOKEN.search(html)
        hidden = dict(HIDDEN.findall(html))
        if not shown or int(shown.group(1)) != claim_id or not token or len(hidden) != 2:
            self.failed("page", f"{page_path}: the review panel of claim {claim_id} with its "
                        "verdict form is not on the page")
            return
        low, high = self.run.args.think
        if high:
            await asyncio.sleep(self.rng.uniform(low, high))
        label = self.rng.choice(LABELS)
        n = next(self.run.seq)
        rationale = (f"Checked against the harbour office's notice and two wire reports "
                     f"({self.username}, phase {self.run.args.phase}, save {n}).")
        links = [f"https://evidence.example/{claim_id}/{n}"] if n % 3 == 0 else []
        saved = await self.fetch(
            "save", "POST", f"/claims/{claim_id}/verdict/", expect=200,
            headers={"HX-Request": "true", "HX-Target": "review",
                     "HX-Current-URL": self.origin + page_path},
            data={"csrfmiddlewaretoken": token.group(1),
                  "expected_revision": hidden["expected_revision"],
                  "claim_version": hidden["claim_version"], "label": label,
                  "rationale": rationale, "evidence_links": "\n".join(links)})
        if saved is None:
            return
        event = json.loads(saved.header("hx-trigger") or "{}").get("verdictSaved")
        if not event or event.get("claim") != claim_id:
            self.failed("save", f"claim {claim_id}: no verdictSaved event in the answer")
            return
        self.run.accepted.append({"claim": claim_id, "reviewer": self.username, "label": label,
                                  "rationale": rationale, "evidence_links": links,
                                  "revision": event["revision"]})


class Lead(Visitor):
    async def main(self) -> None:
        if not await self.login(self.run.accounts["lead"]):
            self.failed("login", "the lead could not log in")
        await self.run.ready()
        while self.run.running():
            await self.fetch("dashboard", "GET", "/lead/", expect=200)
            await asyncio.sleep(5)


class ApiClient(Visitor):
    async def main(self) -> None:
        await self.run.ready()
        while self.run.running():
            export = await self.fetch(
                "export", "GET", "/api/export/claims.jsonl", expect=200,
                headers={"Authorization": f"Token {self.run.accounts['token']}"})
            if export is not None and not export.body.endswith(b"\n"):
                self.failed("export", "the export does not end with a complete line")
            await asyncio.sleep(10)


async def arrive(user: Visitor, delay: float) -> None:
    await asyncio.sleep(delay)
    await user.main()


async def phase(args) -> dict:
    run = Run(args)
    users = [Reviewer(run, args.host, name) for name in run.accounts["reviewers"]]
    users += [Lead(run, args.host), ApiClient(run, args.host)]
    # Users arrive a few a second, not all in the same instant: a login costs the server about
    # half a second of CPU (PBKDF2, Django's default iterations).
    tasks = [asyncio.create_task(arrive(user, i / args.arrivals))
             for i, user in enumerate(users)]
    try:
        await asyncio.wait_for(run.all_in.wait(), LOGIN_WINDOW)
    except TimeoutError:
        sys.exit(f"only {run.logged_in} of {run.users} users logged in within "
                 f"{LOGIN_WINDOW} s")
    run.measure_start = time.time()
    run.deadline = run.measure_start + args.duration
    print("MEASURE START", flush=True)
    run.go.set()
    await asyncio.sleep(args.duration)
    drain = time.time() + DRAIN  # loops begun before the deadline finish; none begins after
    while run.in_flight and time.time() < drain:
        await asyncio.sleep(0.05)
    measure_end, cut_short = time.time(), run.in_flight
    print("MEASURE END", flush=True)
    for task in tasks:
        task.cancel()  # the lead and the API client sleep between requests
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"measure_start": run.measure_start, "measure_end": measure_end,
            "deadline": run.deadline, "samples": run.samples, "errors": run.errors,
            "accepted": run.accepted, "in_flight_at_end": cut_short}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", required=True)
    parser.add_argument("--think", type=float, nargs=2, default=(0, 0))
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--phase", default="")
    parser.add_argument("--arrivals", type=float, default=4, help="users arriving per second")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if urlsplit(args.host).hostname != "127.0.0.1":
        sys.exit("the load client talks to 127.0.0.1 only")
    result = asyncio.run(phase(args))
    with open(args.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
