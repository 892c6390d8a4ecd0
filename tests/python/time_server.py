# _*_coding:utf-8_*_
# 四.套接字初使用 — 时间服务器, the teacher's version: a UDP server that answers each
# datagram with time.strftime(format); an empty datagram means '%Y-%m-%d %X'.
#
# Changed from the tutorial only so that tests can use it: the address comes from
# argv (default the tutorial's 127.0.0.1:9000; port 0 = any free port), the server
# prints `listening on HOST:PORT` first, like every netlab server, and prints are
# flushed (stdout is a pipe in tests).
import sys
from socket import *
from time import strftime

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)
ip_port = (host, int(port))
bufsize = 1024
tcp_server = socket(AF_INET, SOCK_DGRAM)
tcp_server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
tcp_server.bind(ip_port)
print('listening on %s:%d' % tcp_server.getsockname(), flush=True)
while True:
    msg, addr = tcp_server.recvfrom(bufsize)
    print('===>', msg, flush=True)
    if not msg:
        time_fmt = '%Y-%m-%d %X'
    else:
        time_fmt = msg.decode('utf-8')
    back_msg = strftime(time_fmt)
    tcp_server.sendto(back_msg.encode('utf-8'), addr)
tcp_server.close()
