# 五.黏包 — the tutorial's remote-command client with the fix: read the 4-byte
# header, then exactly that many bytes.
#
# Changed from the tutorial only where noted: the server address comes from argv
# (default 127.0.0.1:8888); the header is '!I' (network byte order, unsigned)
# instead of the native 'i'; the command is framed the same way (see
# prefix_cmd_server.py); commands come from stdin so tests can script it, and
# the answer is decoded as UTF-8 (the tutorial, on Windows, used 'gbk'); a
# 30-second socket timeout, so that a silent server cannot hang a test.
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
    data = cmd.encode('utf-8')
    phone.sendall(struct.pack('!I', len(data)) + data)
    header = recv_exact(phone, 4)
    total_size = struct.unpack('!I', header)[0]
    res = recv_exact(phone, total_size)
    print('[%d bytes]' % total_size)
    print(res.decode('utf-8', errors='replace'), end='', flush=True)
phone.close()
