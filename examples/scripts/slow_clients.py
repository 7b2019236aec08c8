"""Slow clients against a running goldilocks-server: N sockets that each send a little and then
nothing (or drip a header at one byte per second), while a well-behaved client asks GET /health
every 0.2 s. Prints one JSON line: how many /health calls were answered, how many failed, the
median and the worst latency. Standard library only.

    python3 examples/scripts/slow_clients.py http://127.0.0.1:8080 --slow 4 --mode drip --seconds 12

Modes: drip (a request header at one byte per second), onebyte (one byte, then silence), nobody (a
Content-Length of 100 and no body), body (a body dripped at one byte per second). Each slow socket
reconnects when the server closes it, as an attacker would.
"""
import argparse
import json
import socket
import threading
import time
import urllib.request


def attacker(host, port, mode, stop):
    while time.time() < stop:
        try:
            s = socket.create_connection((host, port), timeout=5)
        except OSError:
            time.sleep(0.1)
            continue
        try:
            s.settimeout(max(0.1, stop - time.time()))
            if mode == "drip":
                for ch in b"POST /v1/picks HTTP/1.1\r\nHost: x\r\n":
                    s.send(bytes([ch]))
                    time.sleep(1)
                    if time.time() > stop:
                        break
            elif mode == "body":
                s.send(b"POST /v1/picks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                while time.time() < stop:
                    s.send(b" ")
                    time.sleep(1)
            else:
                s.send(b"POST /v1/picks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" if mode == "nobody" else b"G")
                s.recv(1)  # until the server closes the connection (or the run ends)
        except OSError:
            pass
        finally:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--slow", type=int, default=4)
    ap.add_argument("--mode", default="drip", choices=["drip", "onebyte", "nobody", "body"])
    ap.add_argument("--seconds", type=float, default=12)
    a = ap.parse_args()
    host, port = a.url.split("//")[1].rsplit(":", 1)
    stop = time.time() + a.seconds
    for _ in range(a.slow):
        threading.Thread(target=attacker, args=(host, int(port), a.mode, stop), daemon=True).start()
    time.sleep(0.5)
    lat, failed = [], 0
    while time.time() < stop:
        t0 = time.time()
        try:
            urllib.request.urlopen(a.url + "/health", timeout=30).read()
        except Exception:
            failed += 1
        lat.append(time.time() - t0)
        time.sleep(0.2)
    lat.sort()
    print(json.dumps({"mode": a.mode, "slow": a.slow, "seconds": a.seconds, "health_calls": len(lat), "failed": failed,
                      "p50_ms": round(1000 * lat[len(lat) // 2], 1), "max_ms": round(1000 * lat[-1], 1)}))


if __name__ == "__main__":
    main()
