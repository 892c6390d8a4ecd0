# The tutorial's first UDP server (基于UDP协议的socket, server端), kept as written
# except: the address comes from argv (tests pass port 0), and the `listening on`
# line is printed so a test can learn the port (netlab convention).
# Usage: python3 udp_server.py [HOST:PORT]   (default 127.0.0.1:9000)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)

udp_sk = socket.socket(type=socket.SOCK_DGRAM)  # 创建一个udp服务器的套接字
udp_sk.bind((host, int(port)))  # 绑定服务器套接字
print('listening on %s:%s' % udp_sk.getsockname(), flush=True)  # added for tests
msg, addr = udp_sk.recvfrom(1024)  # 接收2个参数消息和地址
print(msg)  # 打印这个消息
udp_sk.sendto(b'hi', addr)  # 对话(接收与发送)
udp_sk.close()  # 关闭服务器套接字
