"""Hostile clients of floatd's control socket (tests/netns/t_control_hostile.sh, issue 15).

  hostile_control.py SOCK flood BYTES
      One connection writes BYTES of well-framed requests that are not JSON (frames of 65,000
      bytes: floatd answers each with an error and keeps the connection) as fast as the socket
      takes them, while a thread reads the answers. Prints "sent B bytes in F frames, answers A,
      CLOSE" where CLOSE is "open" or what ended the connection early.
  hostile_control.py SOCK loris N READY
      N connections each write a frame's header and two bytes of its body, then nothing; writes
      READY once all are connected and holds them until stdin closes. Then prints "connected N,
      closed by floatd C" (C: those floatd closed to make room for others).
  hostile_control.py SOCK crowd N READY
      N connections opened one after the other as fast as floatd accepts them (each held open);
      writes READY when done and holds them until stdin closes. Then prints "connected K of N,
      closed by floatd C, failed F".

Everything here is the client's side; whether floatd stayed on time is read from a capture.
"""
import os
import resource
import select
import socket
import struct
import sys
import threading

FRAME_BODY = 65000  # under floatd's 64 KiB request limit (control_protocol.hpp)


def connect(path, timeout=5.0):
    # A blocking connect: a unix socket's connect() with a timeout (non-blocking) fails with
    # EAGAIN at once when the listen backlog is full, instead of waiting for floatd to accept.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(timeout)
    return s


def flood(path, total):
    s = connect(path)
    frame = struct.pack(">I", FRAME_BODY) + b"x" * FRAME_BODY
    answers = [0]
    done = threading.Event()

    def reader():
        buf = b""
        while not done.is_set():
            try:
                chunk = s.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while len(buf) >= 4:
                (n,) = struct.unpack(">I", buf[:4])
                if len(buf) < 4 + n:
                    break
                buf = buf[4 + n:]
                answers[0] += 1

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    sent = frames = 0
    how = "open"
    try:
        while sent < total:
            s.sendall(frame)
            sent += len(frame)
            frames += 1
    except (BrokenPipeError, ConnectionResetError) as e:
        how = f"closed by floatd ({e.__class__.__name__})"
    except socket.timeout:
        how = "floatd stopped reading for 5 s"
    # Every frame sent gets an answer; wait for them (the reader ends at EOF or when done).
    for _ in range(100):
        if answers[0] >= frames or not t.is_alive():
            break
        t.join(0.1)
    done.set()
    print(f"sent {sent} bytes in {frames} frames, answers {answers[0]}, {how}")
    s.close()
    return 0 if how == "open" and answers[0] == frames else 1


def closed(s):
    """True when floatd closed the connection (readable with EOF or an error)."""
    p = select.poll()  # not select(): descriptors above 1023
    p.register(s, select.POLLIN)
    if not p.poll(0):
        return False
    try:
        return s.recv(1, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def hold(conns, ready):
    with open(ready, "w") as f:
        f.write("ready\n")
    sys.stdin.read()  # the harness closes our stdin when it is done with the crowd
    return sum(1 for s in conns if closed(s))


def loris(path, n, ready):
    conns = []
    half = struct.pack(">I", 100) + b'{"'
    for _ in range(n):
        s = connect(path)
        s.sendall(half)
        conns.append(s)
    gone = hold(conns, ready)
    print(f"connected {len(conns)}, closed by floatd {gone}")
    return 0


def crowd(path, n, ready):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    conns, failed = [], 0
    first_error = ""
    for _ in range(n):
        try:
            conns.append(connect(path))
        except OSError as e:
            failed += 1
            first_error = first_error or repr(e)
    gone = hold(conns, ready)
    print(f"connected {len(conns)} of {n}, closed by floatd {gone}, failed {failed}"
          + (f" (first: {first_error})" if first_error else ""))
    return 0


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "flood":
        return flood(path, int(sys.argv[3]))
    if mode == "loris":
        return loris(path, int(sys.argv[3]), sys.argv[4])
    if mode == "crowd":
        return crowd(path, int(sys.argv[3]), sys.argv[4])
    raise SystemExit(f"hostile_control.py: unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main())
