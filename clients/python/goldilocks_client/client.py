"""HTTP client of the Goldilocks teacher service; standard library only."""

from __future__ import annotations

import collections
import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Iterable, List, Optional, Sequence


class GoldilocksError(Exception):
    """The service refused a request, or could not be reached after the retries."""

    def __init__(self, message: str, status: Optional[int] = None, error_type: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class AuthenticationError(GoldilocksError):
    """401: the token is missing or wrong."""


class ConflictError(GoldilocksError):
    """409: e.g. the same step asked for with another number of picks."""


class InvalidRequestError(GoldilocksError):
    """400, 413 or 422: the request is malformed, too large or holds an invalid value."""


class NotReadyError(GoldilocksError):
    """503 after every retry: the server is still loading its pool or restoring its state."""


_ERRORS = {401: AuthenticationError, 409: ConflictError, 400: InvalidRequestError, 413: InvalidRequestError,
           422: InvalidRequestError, 503: NotReadyError}


class GoldilocksClient:
    """Talks to one Goldilocks server.

    ``picks`` and ``rewards`` are safe to retry (the server answers the same step with the same
    picks and recognises a reward it already has), so both retry with exponential backoff on
    connection errors, timeouts and 5xx answers; 4xx answers raise at once.
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30.0, retries: int = 6,
                 backoff: float = 0.2, max_backoff: float = 5.0):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {url!r}")
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._rng = random.Random()

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
        return self._request("GET", "/ready", None, retries=0)

    def wait_ready(self, timeout: float = 120.0) -> Dict[str, Any]:
        """Polls ``/ready`` until it answers 200 or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.ready()
            except (NotReadyError, GoldilocksError) as e:
                if isinstance(e, (AuthenticationError, InvalidRequestError)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def picks(self, step: int, n: int) -> List[Dict[str, Any]]:
        """The ``n`` questions of training step ``step``: dicts with ``id``, ``text`` and
        ``predictedUtility``. Every caller (every rank) gets the same list for the same step."""
        _check_int("step", step, 0)
        _check_int("n", n, 1)
        return self._request("POST", "/v1/picks", {"step": int(step), "n": int(n)})["picks"]

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
        return self._request("POST", "/v1/rewards", {"step": int(step), "results": items})

    def checkpoint(self) -> str:
        """Asks the server to write a checkpoint now; returns its file name."""
        return self._request("POST", "/v1/checkpoint", {})["checkpoint"]

    def metrics(self) -> str:
        """The Prometheus text of ``/metrics``."""
        return self._request("GET", "/metrics", None, raw=True)

    # ------------------------------------------------------------------ transport

    def _request(self, method: str, path: str, body: Optional[Dict[str, Any]], retries: Optional[int] = None,
                 raw: bool = False) -> Any:
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempts = (self.retries if retries is None else retries) + 1
        last: Optional[Exception] = None
        for attempt in range(attempts):
            if attempt:
                delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
                time.sleep(delay * (0.5 + self._rng.random()))
            req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    payload = resp.read().decode("utf-8")
                    return payload if raw else json.loads(payload)
            except urllib.error.HTTPError as e:
                err = _error_from(e)
                if e.code >= 500:
                    last = err
                    continue
                raise err from None
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                last = GoldilocksError(f"{method} {self.url}{path}: {e}")
                continue
        assert last is not None
        if isinstance(last, GoldilocksError) and last.status is not None:
            raise last
        raise GoldilocksError(f"{last} (after {attempts} attempts)")


def _error_from(e: "urllib.error.HTTPError") -> GoldilocksError:
    try:
        payload = json.loads(e.read().decode("utf-8"))
        err = payload.get("error", {})
        message, etype = err.get("message", str(e)), err.get("type")
    except Exception:  # noqa: BLE001 - any unreadable body
        message, etype = str(e), None
    cls = _ERRORS.get(e.code, GoldilocksError)
    return cls(f"{e.code} {etype}: {message}", status=e.code, error_type=etype)


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


class IssuedSteps:
    """The steps a process has asked the service for, newest last, so that rewards can be posted
    under the step that handed their questions out."""

    def __init__(self, keep: int = 64):
        self._steps: "collections.deque" = collections.deque(maxlen=keep)
        self._lock = threading.Lock()

    def add(self, step: int, ids: Sequence[str]) -> None:
        with self._lock:
            self._steps.append((step, set(ids)))

    def step_of(self, ids: Sequence[str]) -> int:
        """The oldest remembered step whose picks hold all ``ids``; older steps are forgotten."""
        wanted = set(ids)
        with self._lock:
            for i, (step, picked) in enumerate(self._steps):
                if wanted <= picked:
                    for _ in range(i):
                        self._steps.popleft()
                    return step
        raise GoldilocksError(f"rewards for questions {sorted(wanted)[:5]} that no remembered step handed out")
