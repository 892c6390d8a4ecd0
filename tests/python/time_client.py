# 四.套接字初使用 — 时间服务器, the client: sends a strftime format once and prints
# the reply.
#
# Changed from the tutorial only so that tests can use it: the server address comes
# from argv (default the tutorial's 127.0.0.1:9000), an optional second argument
# replaces the format, and a timeout keeps a lost datagram from hanging a test.
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)
time_format = sys.argv[2] if len(sys.argv) > 2 else '%Y-%m-%d %H:%M:%S'
sk = socket.socket(type=socket.SOCK_DGRAM)
sk.settimeout(10)
sk.sendto(time_format.encode('utf-8'), (host, int(port)))
msg, addr = sk.recvfrom(1024)
print(msg.decode('utf-8'))
sk.close()
