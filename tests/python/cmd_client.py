# 五.黏包 — the tutorial's remote-command client, as it is: send the command,
# print whatever one recv(1024) returns. Long answers leak into the next one.
#
# Changed from the tutorial only so that tests can use it: the server address
# comes from argv (default 127.0.0.1:8888), commands come from stdin, and the
# answer is decoded as UTF-8 (the tutorial, on Windows, used 'gbk').
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
    data = phone.recv(1024)
    print('[%d bytes]' % len(data))
    print(data.decode('utf-8', errors='replace'), end='', flush=True)
phone.close()
