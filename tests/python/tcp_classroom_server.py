# The tutorial's classroom TCP server (上课例题, port 8080): it says b'hello' first.
# Kept as written except: the address comes from argv (tests pass port 0), and the
# `listening on` line is printed so a test can learn the port.
# Usage: python3 tcp_classroom_server.py [HOST:PORT]   (default 127.0.0.1:8080)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8080').rsplit(':', 1)

sk = socket.socket()  # 创建了一个socket对象
sk.bind((host, int(port)))  # 绑定一台机器的(ip,端口)
sk.listen()  # 建立监听等待别人连接
print('listening on %s:%s' % sk.getsockname(), flush=True)  # added for tests
conn, addr = sk.accept()  # 阻塞:在这里等待直到接到一个连接
print(conn)  # conn是链接
print(addr)  # addr是对方的地址
conn.send(b'hello')  # 和对方打招呼必须以byes类型发送
msg = conn.recv(1024)  # 对方和我说的话
print(msg)
conn.close()  # 挂电话
sk.close()  # 关机
