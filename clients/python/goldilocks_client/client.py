"""HTTP client of the Goldilocks teacher service; standard library only."""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import math
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterable, List, Optional, Sequence

LOG = logging.getLogger("goldilocks_client")

RUN_HEADER = "Goldilocks-Run"
_RUN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class GoldilocksError(Exception):
    """The service refused a request, answered something unreadable, or could not be reached
    before the retry deadline. ``call`` names the request (for example ``POST /v1/picks``)."""

    def __init__(self, message: str, status: Optional[int] = None, error_type: Optional[str] = None,
                 call: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.call = call


class AuthenticationError(GoldilocksError):
    """401: the token is missing or wrong."""


class ConflictError(GoldilocksError):
    """409: e.g. the same step asked for with another number of picks."""


class RunMismatchError(ConflictError):
    """409 ``run_mismatch``: the server's state belongs to another training run. Start a server with
    a fresh state directory for a new run, or resume the run the state belongs to."""


class InvalidRequestError(GoldilocksError):
    """400, 413 or 422: the request is malformed, too large or holds an invalid value."""


class NotReadyError(GoldilocksError):
    """503 until the retry deadline: the server is still loading its pool or restoring its state
    (or it could not start at all: ``error_type == "failed"``, raised at once)."""


_ERRORS = {401: AuthenticationError, 409: ConflictError, 400: InvalidRequestError, 413: InvalidRequestError,
           422: InvalidRequestError, 503: NotReadyError}


class GoldilocksClient:
    """Talks to one Goldilocks server.

    ``picks`` and ``rewards`` are safe to repeat (the server answers the same step with the same
    picks and recognises a reward it already has), so both are retried with exponential backoff
    on every transport error (refused or reset connections, timeouts, truncated or unreadable
    answers) and on 5xx answers, including 503 while the server loads, until ``retry_deadline``
    seconds have passed since the call began (default 300: a server restart or a short outage is
    ridden out). Each wait is logged (logger ``goldilocks_client``, level WARNING). 4xx answers
    raise at once. ``retries`` optionally caps the number of retries as well.

    ``run_id`` (1-128 characters of ``[A-Za-z0-9._:-]``) goes with every call as the
    ``Goldilocks-Run`` header: the server binds its state to the first run id it sees and refuses
    another with :class:`RunMismatchError`, so two runs never share a teacher by accident. The TRL
    adapter sets it for you (a new one per run, the stored one on resume).

    Proxies: calls to a loopback address never use a proxy. Calls to other hosts use the
    environment's proxy (``http_proxy`` and ``no_proxy``) only when no token is set, or when
    ``use_env_proxy=True``: the bearer token is never sent through a proxy unless you opt in.
    ``use_env_proxy=False`` never uses one.
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30.0, retries: Optional[int] = None,
                 backoff: float = 0.2, max_backoff: float = 10.0, retry_deadline: float = 300.0,
                 run_id: Optional[str] = None, use_env_proxy: Optional[bool] = None):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {url!r}")
        if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
            raise ValueError(f"retries must be None or an integer >= 0, got {retries!r}")
        for name, value in (("timeout", timeout), ("backoff", backoff), ("max_backoff", max_backoff),
                            ("retry_deadline", retry_deadline)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {timeout!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = float(timeout)
        self.retries = retries
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.retry_deadline = float(retry_deadline)
        self._run_id: Optional[str] = None
        self.run_id = run_id
        self._rng = random.Random()
        host = urllib.parse.urlsplit(self.url).hostname or ""
        self._loopback = _is_loopback(host)
        self._proxies = self._choose_proxies(host, use_env_proxy)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(self._proxies))

    @property
    def run_id(self) -> Optional[str]:
        """The run id sent with every call, or None (then no ``Goldilocks-Run`` header is sent)."""
        return self._run_id

    @run_id.setter
    def run_id(self, value: Optional[str]) -> None:
        if value is not None and (not isinstance(value, str) or not _RUN_ID.fullmatch(value)):
            raise ValueError(f"run_id must be 1-128 characters of [A-Za-z0-9._:-], got {value!r}")
        self._run_id = value

    def _choose_proxies(self, host: str, use_env_proxy: Optional[bool]) -> Dict[str, str]:
        if self._loopback or use_env_proxy is False:
            return {}
        env = urllib.request.getproxies()
        scheme = urllib.parse.urlsplit(self.url).scheme
        if scheme not in env or urllib.request.proxy_bypass(host):
            return {}
        if self.token and not use_env_proxy:
            LOG.warning("not using the environment's %s proxy for %s: the token would pass through it "
                        "(GoldilocksClient(..., use_env_proxy=True) to allow that)", scheme, self.url)
            return {}
        return {scheme: env[scheme]}

    @property
    def uses_proxy(self) -> bool:
        """Whether calls go through a proxy (see the class documentation)."""
        return bool(self._proxies)

    # ------------------------------------------------------------------ endpoints

    def health(self) -> bool:
        """True when the process answers ``/health`` (no retries)."""
        try:
            self._request("GET", "/health", None, retries=0, raw=True)
            return True
        except GoldilocksError:
            return False

    def ready(self) -> Dict[str, Any]:
        """The ``/ready`` answer; raises :class:`NotReadyError` while the server is loading."""
        answer = self._request("GET", "/ready", None, retries=0)
        if not isinstance(answer, dict):
            raise GoldilocksError(f"GET /ready: unexpected answer {str(answer)[:200]}", call="GET /ready")
        return answer

    def wait_ready(self, timeout: float = 120.0) -> Dict[str, Any]:
        """Polls ``/ready`` until it answers 200 or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.ready()
            except GoldilocksError as e:
                if isinstance(e, (AuthenticationError, InvalidRequestError, ConflictError)) \
                        or e.error_type == "failed" or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def picks(self, step: int, n: int) -> List[Dict[str, Any]]:
        """The ``n`` questions of training step ``step``: dicts with ``id``, ``text`` and
        ``predictedUtility``. Every caller (every rank) gets the same list for the same step."""
        _check_int("step", step, 0)
        _check_int("n", n, 1)
        answer = self._request("POST", "/v1/picks", {"step": int(step), "n": int(n)})
        picks = answer.get("picks") if isinstance(answer, dict) else None
        if not isinstance(picks, list) or len(picks) != n or not all(isinstance(p, dict) and "id" in p for p in picks):
            raise GoldilocksError(f"POST /v1/picks (step {step}): the answer does not hold {n} picks with ids: "
                                  f"{str(answer)[:200]}", call="POST /v1/picks")
        return picks

    def rewards(self, step: int, results: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
        """Sends rewards of step ``step``: each result is ``{"id": ..., "rewards": [...]}`` for a
        whole group, or with ``"rollouts": [indices]`` for a part of one. Returns the server's
        counts (``accepted``, ``duplicate``, ``stale``, ``completed``) and its ``rejected`` items.
        Non-finite rewards are refused here, before anything is sent."""
        _check_int("step", step, 0)
        items = []
        for i, r in enumerate(results):
            if "id" not in r or "rewards" not in r:
                raise ValueError(f"result {i} needs 'id' and 'rewards', got keys {sorted(r)}")
            rewards = [float(x) for x in r["rewards"]]
            bad = [x for x in rewards if not math.isfinite(x)]
            if bad:
                raise ValueError(f"result {i} (id {r['id']!r}) has non-finite rewards {bad}")
            item = {"id": str(r["id"]), "rewards": rewards}
            if r.get("rollouts") is not None:
                rollouts = [int(x) for x in r["rollouts"]]
                if len(rollouts) != len(rewards):
                    raise ValueError(f"result {i} (id {r['id']!r}): {len(rewards)} rewards but {len(rollouts)} rollouts")
                item["rollouts"] = rollouts
            items.append(item)
        answer = self._request("POST", "/v1/rewards", {"step": int(step), "results": items})
        if not isinstance(answer, dict) or "accepted" not in answer:
            raise GoldilocksError(f"POST /v1/rewards (step {step}): unexpected answer {str(answer)[:200]}",
                                  call="POST /v1/rewards")
        return answer

    def checkpoint(self) -> str:
        """Asks the server to write a checkpoint now; returns its file name."""
        answer = self._request("POST", "/v1/checkpoint", {})
        if not isinstance(answer, dict) or not isinstance(answer.get("checkpoint"), str):
            raise GoldilocksError(f"POST /v1/checkpoint: unexpected answer {str(answer)[:200]}", call="POST /v1/checkpoint")
        return answer["checkpoint"]

    def metrics(self) -> str:
        """The Prometheus text of ``/metrics``."""
        return self._request("GET", "/metrics", None, raw=True)

    # ------------------------------------------------------------------ transport

    def _request(self, method: str, path: str, body: Optional[Dict[str, Any]], retries: Optional[int] = None,
                 raw: bool = False) -> Any:
        call = f"{method} {path}" + (f" (step {body['step']})" if body and "step" in body else "")
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self._run_id is not None:
            headers[RUN_HEADER] = self._run_id
        cap = self.retries if retries is None else retries
        start = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            try:
                with self._opener.open(req, timeout=self.timeout) as resp:
                    payload = resp.read().decode("utf-8")
                if raw:
                    return payload
                try:
                    return json.loads(payload)
                except ValueError:
                    raise _Retryable(f"a {resp.status} answer that is not JSON: {payload[:80]!r}") from None
            except urllib.error.HTTPError as e:
                err = _error_from(e, call)
                if e.code < 500 or err.error_type == "failed":
                    raise err from None
                last: Exception = err
            except _Retryable as e:
                last = e
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError,
                    UnicodeDecodeError) as e:
                last = e
            elapsed = time.monotonic() - start
            delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1))) * (0.5 + self._rng.random())
            out_of_attempts = cap is not None and attempt > cap
            if out_of_attempts or elapsed + delay > self.retry_deadline:
                why = (f"after {attempt} attempts" if out_of_attempts
                       else f"after {attempt} attempts in {elapsed:.1f} s (retry_deadline {self.retry_deadline:g} s)")
                if isinstance(last, GoldilocksError):
                    last.args = (f"{last} ({why})",)
                    raise last
                raise GoldilocksError(f"{call} to {self.url}: {_describe(last)} ({why})", call=call) from last
            if cap is None or cap > 0:
                LOG.warning("%s to %s: %s; retrying in %.1f s (%.1f s of the %g s retry deadline used)", call, self.url,
                            _describe(last), delay, elapsed, self.retry_deadline)
            time.sleep(delay)


class _Retryable(Exception):
    """A malformed answer, retried like a transport error."""


def _describe(e: Exception) -> str:
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        return f"{type(e.reason).__name__}: {e.reason}" if isinstance(e.reason, Exception) else str(e.reason)
    if isinstance(e, GoldilocksError):
        return str(e)
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error_from(e: "urllib.error.HTTPError", call: str) -> GoldilocksError:
    try:
        payload = json.loads(e.read().decode("utf-8"))
        err = payload.get("error", {})
        message, etype = err.get("message", str(e)), err.get("type")
    except Exception:  # noqa: BLE001 - any unreadable body
        message, etype = str(e), None
    cls = RunMismatchError if (e.code == 409 and etype == "run_mismatch") else _ERRORS.get(e.code, GoldilocksError)
    return cls(f"{call}: {e.code} {etype}: {message}", status=e.code, error_type=etype, call=call)


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def results_by_question(ids: Sequence[str], rewards: Sequence[float], group_size: int) -> List[Dict[str, Any]]:
    """Groups parallel lists of question ids and rewards (one per completion, any order) into
    result items: a whole group when a question has ``group_size`` rewards, else a part with
    ``rollouts`` 0..k-1 (the caller posts the rest under other indices, or never)."""
    if len(ids) != len(rewards):
        raise ValueError(f"{len(ids)} ids but {len(rewards)} rewards")
    groups: Dict[str, List[float]] = {}
    for qid, r in zip(ids, rewards):
        groups.setdefault(str(qid), []).append(float(r))
    out = []
    for qid, rs in groups.items():
        if len(rs) > group_size:
            raise GoldilocksError(f"question {qid!r} has {len(rs)} rewards in one batch, more than the group size {group_size}")
        item: Dict[str, Any] = {"id": qid, "rewards": rs}
        if len(rs) != group_size:
            item["rollouts"] = list(range(len(rs)))
        out.append(item)
    return out


def post_step_rewards(client: GoldilocksClient, step: int, ids: Sequence[str], rewards: Sequence[float],
                      group_size: int, reward_range: Optional[Sequence[float]] = None) -> Dict[str, Any]:
    """Posts the rewards of one service step's rollouts (parallel lists, any order) grouped by
    question, after mapping ``reward_range=(low, high)`` onto [0, 1]; raises
    :class:`GoldilocksError` if the service rejects any item. The adapters' one way to post."""
    if reward_range is not None:
        low, high = reward_range
        rewards = [(float(r) - low) / (high - low) for r in rewards]
    answer = client.rewards(step, results_by_question(ids, rewards, group_size))
    if answer.get("rejected"):
        raise GoldilocksError(f"the service rejected rewards of step {step}: {answer['rejected'][:3]}")
    return answer
