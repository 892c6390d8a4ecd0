# 八.socketserver模块 — the tutorial's client for the socketserver echo: read a line
# from the keyboard, send it, print what comes back; `q` quits.
#
# Changed from the tutorial only so that tests can use it: the address comes from
# argv (default the tutorial's 127.0.0.1:9999).
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.connect((host, int(port)))
while True:
    msg = input('>>: ').strip()
    if not msg:
        continue
    if msg == 'q':
        break
    phone.send(msg.encode('utf-8'))
    data = phone.recv(1024)
    print(data.decode('utf-8'))
phone.close()
