# 五.黏包 — fix 1 of the tutorial: send the length of the answer first, wait for
# the client's b'ready', then send the answer. Talks to
# `framing cmd-client --protocol ack`.
#
# Changed from the tutorial only so that tests can use it: the address comes from
# argv (default 127.0.0.1:8888; port 0 = any free port) and the server prints
# `listening on HOST:PORT` first.
import socket
import subprocess
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8888').rsplit(':', 1)
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
phone.bind((host, int(port)))
phone.listen(5)
print('listening on %s:%d' % phone.getsockname(), flush=True)

while True:
    conn, addr = phone.accept()
    while True:
        try:
            cmd = conn.recv(1024)
            if not cmd:
                break
            res = subprocess.Popen(cmd.decode('utf-8'), shell=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            data = res.stderr.read() + res.stdout.read()
            conn.send(str(len(data)).encode('utf-8'))
            ready = conn.recv(1024)  # b'ready'
            if not ready:
                break
            conn.sendall(data)
        except ConnectionError:
            break
    conn.close()
