# 五.黏包, advanced — receive one file: read the 4-byte header length, the JSON
# header, then exactly `filesize` bytes while hashing them; keep the file only if
# the sha256 matches; answer {"ok": true} or {"ok": false, "error": ...} framed
# the same way. Talks to `framing send`.
#
# Usage: python3 file_receive.py HOST:PORT DIR  (port 0 = any free port; prints
# `listening on HOST:PORT` first, like every netlab server, so tests can find it)
import hashlib
import json
import os
import socket
import struct
import sys


def recv_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError('the peer closed the connection mid-frame')
        data += chunk
    return data


def reply(conn, answer):
    data = json.dumps(answer).encode('utf-8')
    conn.sendall(struct.pack('!I', len(data)) + data)


host, port = sys.argv[1].rsplit(':', 1)
directory = sys.argv[2]
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((host, int(port)))
server.listen(5)
print('listening on %s:%d' % server.getsockname(), flush=True)

conn, addr = server.accept()
header_len = struct.unpack('!I', recv_exact(conn, 4))[0]
header = json.loads(recv_exact(conn, header_len).decode('utf-8'))
name = header['filename']
if os.path.basename(name) != name or name in ('', '.', '..'):
    reply(conn, {'ok': False, 'error': 'bad file name'})
    sys.exit(1)
temp = os.path.join(directory, '.' + name + '.part')
sha = hashlib.sha256()
left = header['filesize']
with open(temp, 'wb') as f:
    while left > 0:
        chunk = conn.recv(min(left, 1024 * 1024))
        if not chunk:
            break
        sha.update(chunk)
        f.write(chunk)
        left -= len(chunk)
if left == 0 and sha.hexdigest() == header['sha256']:
    os.replace(temp, os.path.join(directory, name))
    reply(conn, {'ok': True})
    print('saved %s (%d bytes)' % (name, header['filesize']), flush=True)
else:
    os.remove(temp)
    reply(conn, {'ok': False, 'error': 'truncated or sha256 mismatch'})
conn.close()
