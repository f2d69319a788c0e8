#!/usr/bin/env python3
"""Holds one listening socket the way systemd's socket activation does, for the deploy drill (deploy-drill.mjs).

Binds 127.0.0.1:<port> (0 = any free port), listens and never accepts; each relay build it starts gets the socket
at fd 3 with LISTEN_FDS=1 and LISTEN_PID=<that relay's pid> (sd_listen_fds(3)). Node cannot hold a listening socket
without accepting on it, hence Python. Controlled over stdin, one JSON object a line:
  {"op": "start", "build": "B", "cmd": [...], "cwd": "...", "env": {...}, "log": "/path"}  -> started B <pid>
  {"op": "signal", "build": "B", "signal": "SIGTERM"}                                      -> signalled B SIGTERM
and prints `listening <port>` once bound, `exited <build> <code>` when a build's process ends.
stdin closing (the drill gone) stops it and every build it started (SIGKILL, they are disposable here).
"""
import json, os, signal, socket, subprocess, sys, threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
sock.listen(1024)
if sock.fileno() != 3:
    os.dup2(sock.fileno(), 3)
print("listening", sock.getsockname()[1], flush=True)
lock = threading.Lock()
procs = {}

def say(*words):
    with lock:
        print(*words, flush=True)

def watch(build, proc):
    say("exited", build, proc.wait())

for line in sys.stdin:
    if not line.strip():
        continue
    req = json.loads(line)
    build = req["build"]
    if req["op"] == "start":
        with open(req["log"], "ab") as log:
            # LISTEN_PID must be the relay's own pid: a shell takes it from $$ and execs the relay in its place.
            proc = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', "sh", *req["cmd"]],
                                    cwd=req.get("cwd"), env={**req["env"], "LISTEN_FDS": "1"}, pass_fds=(3,),
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        procs[build] = proc
        threading.Thread(target=watch, args=(build, proc), daemon=True).start()
        say("started", build, proc.pid)
    elif req["op"] == "signal":
        if build in procs and procs[build].poll() is None:
            procs[build].send_signal(getattr(signal, req.get("signal", "SIGTERM")))
        say("signalled", build, req.get("signal", "SIGTERM"))

for proc in procs.values():
    if proc.poll() is None:
        proc.kill()
