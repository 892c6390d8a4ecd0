# The tutorial's first TCP server (四.套接字初使用, 基于TCP协议的socket, server端),
# kept as written except: the address comes from argv (tests pass port 0), and the
# `listening on` line is printed so a test can learn the port (netlab convention).
# Usage: python3 tcp_server.py [HOST:PORT]   (default 127.0.0.1:8898)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8898').rsplit(':', 1)

sk = socket.socket()
sk.bind((host, int(port)))  # 把地址绑定到套接字
sk.listen()  # 监听链接
print('listening on %s:%s' % sk.getsockname(), flush=True)  # added for tests
conn, addr = sk.accept()  # 接受客户端链接
ret = conn.recv(1024)  # 接收客户端信息
print(ret)  # 打印客户端信息
conn.send(b'hi')  # 向客户端发送信息
conn.close()  # 关闭客户端套接字
sk.close()  # 关闭服务器套接字(可选)
