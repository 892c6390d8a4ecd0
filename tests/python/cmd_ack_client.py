# 五.黏包 — fix 1 of the tutorial, the client: read the length, answer b'ready',
# then read until that many bytes arrived. Talks to
# `framing cmd-server --protocol ack`.
#
# Changed from the tutorial only so that tests can use it: the server address
# comes from argv (default 127.0.0.1:8888), commands come from stdin, and the
# answer is decoded as UTF-8.
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8888').rsplit(':', 1)
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.settimeout(30)
phone.connect((host, int(port)))

for line in sys.stdin:
    cmd = line.strip()
    if not cmd:
        continue
    if cmd == 'quit':
        break
    phone.send(cmd.encode('utf-8'))
    length = int(phone.recv(1024).decode('utf-8'))
    phone.send(b'ready')
    data = b''
    while len(data) < length:
        chunk = phone.recv(1024)
        if not chunk:
            raise ConnectionError('the server closed the connection early')
        data += chunk
    print('[%d bytes]' % length)
    print(data.decode('utf-8', errors='replace'), end='', flush=True)
phone.close()
