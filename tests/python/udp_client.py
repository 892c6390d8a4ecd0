# The tutorial's first UDP client (基于UDP协议的socket, client端), kept as written
# except that the address comes from argv.
# Usage: python3 udp_client.py [HOST:PORT]   (default 127.0.0.1:9000)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)

ip_port = (host, int(port))  # 绑定ip和端口
udp_sk = socket.socket(type=socket.SOCK_DGRAM)  # 创建一个udp的套接字
udp_sk.sendto(b'hello', ip_port)  # 发送一个b'hello'到'127.0.0.1',9000的应用
back_msg, addr = udp_sk.recvfrom(1024)  # 接收信息的地址,按1024字节大小
print(back_msg.decode('utf-8'), addr)  # 打印这个信息用utf—8解码
