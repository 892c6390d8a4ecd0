# 五.黏包, advanced — upload one file: a JSON header (name, size, sha256) with a
# 4-byte length in front, then exactly `filesize` raw bytes, then read the
# receiver's JSON verdict, framed the same way. Talks to `framing receive`.
#
# Usage: python3 file_send.py HOST:PORT FILE
# (The address is taken from argv so that tests can use port 0; a 30-second
# socket timeout keeps a silent receiver from hanging a test.)
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


host, port = sys.argv[1].rsplit(':', 1)
path = sys.argv[2]

sha = hashlib.sha256()
with open(path, 'rb') as f:
    while True:
        chunk = f.read(1024 * 1024)
        if not chunk:
            break
        sha.update(chunk)
header = {
    'filename': os.path.basename(path),
    'filesize': os.path.getsize(path),
    'sha256': sha.hexdigest(),
}
header_bytes = json.dumps(header).encode('utf-8')

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.settimeout(30)
client.connect((host, int(port)))
client.sendall(struct.pack('!I', len(header_bytes)))
client.sendall(header_bytes)
with open(path, 'rb') as f:
    while True:
        chunk = f.read(1024 * 1024)
        if not chunk:
            break
        client.sendall(chunk)

reply_len = struct.unpack('!I', recv_exact(client, 4))[0]
reply = json.loads(recv_exact(client, reply_len).decode('utf-8'))
client.close()
print(json.dumps(reply))
sys.exit(0 if reply.get('ok') else 1)
