# The tutorial's classroom TCP client (上课例题): reads the greeting, answers b'byebye!'.
# Kept as written except that the address comes from argv.
# Usage: python3 tcp_classroom_client.py [HOST:PORT]   (default 127.0.0.1:8080)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8080').rsplit(':', 1)

sk = socket.socket()  # 买个手机
sk.connect((host, int(port)))  # 拨号
ret = sk.recv(1024)  # 接收信息
print(ret)  # 打印接收的信息
sk.send(b'byebye!')  # 发送
sk.close()  # 关闭
