#!/usr/bin/python3
"""A server that takes connections and then stops answering, for the
client's deadlines: `silent` reads nothing and answers nothing; `headers`
reads the request, answers a status line and headers that promise a body,
and never sends it.  Prints its port, then serves until killed.

usage: stalling_server.py silent|headers
"""
import socket
import sys
import threading

mode = sys.argv[1]
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print(listener.getsockname()[1], flush=True)
held = []  # open connections stay open: a closed one would answer (EOF)


def stall(connection):
    held.append(connection)
    if mode == "headers":
        request = b""
        while b"\r\n\r\n" not in request:
            piece = connection.recv(65536)
            if not piece:
                return
            request += piece
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[")
    # and nothing more; reading the rest of a body keeps the sender's writes going
    while mode == "headers" and connection.recv(1 << 20):
        pass


while True:
    connection, _ = listener.accept()
    threading.Thread(target=stall, args=(connection,), daemon=True).start()
