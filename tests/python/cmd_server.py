# 五.黏包 — the tutorial's remote-command server, as it is: recv(1024) is the
# command, the answer is the command's stderr then stdout, with no boundaries.
# This is the program that shows the problem.
#
# Changed from the tutorial only so that tests can use it: the address comes from
# argv (default the tutorial's 127.0.0.1:8888; port 0 = any free port), the
# server prints `listening on HOST:PORT` first, like every netlab server, and a
# command that prints nothing gets a note (an empty answer would leave the
# client waiting forever, like `framing cmd-server --protocol raw`).
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
        except ConnectionError:
            break
        if not cmd:
            break
        res = subprocess.Popen(cmd.decode('utf-8'), shell=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stderr = res.stderr.read()
        stdout = res.stdout.read()
        if not stderr and not stdout:
            stdout = b'(the command printed nothing)\n'
        conn.send(stderr)
        conn.send(stdout)
    conn.close()
