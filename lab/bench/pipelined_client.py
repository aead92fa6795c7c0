#!/usr/bin/env python3
"""Sends COUNT requests for PATH over one keep-alive connection, DEPTH at a time (pipelined), and
reads every response whole. Used by lab/bench/instructions.sh, where the server runs under
valgrind and wall-clock speed does not matter, only that every request is answered exactly once.

    pipelined_client.py PORT PATH COUNT [--depth 16] [--expect 200] [--close] [--header "Name: value"]...

With --close, each request goes on a connection of its own with `Connection: close`.

Exits 1 (with the reason on stderr) when a response has another status than --expect, when the
server closes early, or when no byte arrives for 60 s. Prints "COUNT ok" on success.
"""
import argparse
import socket
import sys


def read_response(sock, buffer):
    """Reads one response (head + Content-Length body) from sock; returns (status, rest of buffer)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection before a response head")
        buffer += chunk
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked responses are not expected on the measured routes")
    while len(buffer) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection inside a response body")
        buffer += chunk
    return status, buffer[length:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("count", type=int)
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--expect", type=int, default=200)
    parser.add_argument("--close", action="store_true",
                        help="one request per connection, with Connection: close (what wrk -H 'Connection: close' does)")
    parser.add_argument("--header", action="append", default=[],
                        help="a header field added to every request (e.g. a traceparent), repeatable")
    args = parser.parse_args()
    if any("\r" in h or "\n" in h or ":" not in h for h in args.header):
        sys.exit("pipelined_client: --header takes one 'Name: value' field")
    extra = "".join(f"{h}\r\n" for h in args.header)
    if not args.path.startswith("/") or any(c in args.path for c in " \r\n"):
        sys.exit(f"pipelined_client: not an origin-form path: {args.path!r}")
    if args.count < 1 or not 1 <= args.depth <= 1024:
        sys.exit("pipelined_client: COUNT must be positive and --depth 1-1024")

    if args.close:
        close_request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: pipelined-client\r\n{extra}Connection: close\r\n\r\n".encode()
        for answered in range(args.count):
            try:
                with socket.create_connection(("127.0.0.1", args.port), timeout=60) as sock:
                    sock.sendall(close_request)
                    status, _ = read_response(sock, b"")
                    # Read to the server's close, as a client that asked to close does.
                    while sock.recv(65536):
                        pass
            except (OSError, ConnectionError, ValueError) as error:
                sys.exit(f"pipelined_client: after {answered} of {args.count} connections: {error}")
            if status != args.expect:
                sys.exit(f"pipelined_client: {args.path} answered {status}, expected {args.expect}")
        print(f"{args.count} ok")
        return

    request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: pipelined-client\r\n{extra}\r\n".encode()
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=60)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    sent = answered = 0
    try:
        while answered < args.count:
            batch = min(args.depth, args.count - sent)
            if batch:
                sock.sendall(request * batch)
                sent += batch
            for _ in range(sent - answered):
                status, buffer = read_response(sock, buffer)
                if status != args.expect:
                    sys.exit(f"pipelined_client: {args.path} answered {status}, expected {args.expect}")
                answered += 1
    except (OSError, ConnectionError, ValueError) as error:
        sys.exit(f"pipelined_client: after {answered} of {args.count} responses: {error}")
    finally:
        sock.close()
    print(f"{answered} ok")


if __name__ == "__main__":
    main()
