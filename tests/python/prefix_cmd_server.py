# 五.黏包 — the tutorial's remote-command server with the fix: a fixed-size header
# carrying the length of the answer.
#
# Changed from the tutorial only where noted:
# - the address comes from argv (default the tutorial's 127.0.0.1:8888; port 0 =
#   any free port), and the server prints `listening on HOST:PORT` first, like every
#   netlab server, so that tests can find it;
# - the header is struct.pack('!I', n) (network byte order, unsigned), not the
#   tutorial's native struct.pack('i', n), so it matches `framing --protocol prefix`
#   on any machine;
# - the command is framed the same way (the tutorial still reads it with a bare
#   recv(1024), where two quick commands can merge);
# - recv_exact loops, because recv(n) may return fewer than n bytes.
import socket
import struct
import subprocess
import sys


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError('the peer closed the connection mid-frame')
        data += chunk
    return data


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
            head = conn.recv(4)
            if not head:
                break
            head += recv_exact(conn, 4 - len(head))
            n = struct.unpack('!I', head)[0]
            if n > 64 * 1024:  # a bound on what a peer can make us read
                break
            cmd = recv_exact(conn, n)
        except ConnectionError:
            break
        res = subprocess.Popen(cmd.decode('utf-8'), shell=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stderr = res.stderr.read()
        stdout = res.stdout.read()
        header = struct.pack('!I', len(stderr) + len(stdout))
        conn.send(header)
        conn.send(stderr)
        conn.send(stdout)
    conn.close()
