# The tutorial's first TCP client (四.套接字初使用, client端), kept as written except
# that the address comes from argv. (The tutorial's client dials 8080, the classroom
# port, while its server listens on 8898; we default to 8898 so the pair meets.)
# Usage: python3 tcp_client.py [HOST:PORT]   (default 127.0.0.1:8898)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8898').rsplit(':', 1)

sk = socket.socket()  # 创建客户套接字
sk.connect((host, int(port)))  # 尝试连接服务器
sk.send(b'hello!')
ret = sk.recv(1024)  # 对话(发送/接收)
print(ret)
sk.close()  # 关闭客户套接字
