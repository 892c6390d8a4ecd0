# _*_coding:utf-8_*_
# The tutorial's QQ chat server (qq聊天), kept as written except: the address comes
# from argv (tests pass port 0), the `listening on` line is printed so a test can
# learn the port, and the end of input stops it instead of an EOFError.
# Usage: python3 qq_server.py [HOST:PORT]   (default 127.0.0.1:8081)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8081').rsplit(':', 1)

ip_port = (host, int(port))  # 设置ip和端口号
udp_server_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # 设置网络套接字,udp模式
udp_server_sock.bind(ip_port)  # 绑定这个ip和端口
print('listening on %s:%s' % udp_server_sock.getsockname(), flush=True)  # added for tests
try:
    while True:  # 循环为真
        qq_msg, addr = udp_server_sock.recvfrom(1024)  # 接收qq信息和地址
        print('来自[%s:%s]的一条消息:\033[1;44m%s\033[0m' % (addr[0], addr[1], qq_msg.decode('utf-8')), flush=True)
        back_msg = input('回复消息: ').strip()  # 输入回复的消息并去除两边的空格
        udp_server_sock.sendto(back_msg.encode('utf-8'), addr)  # 发送信息和地址以utf-8的模式
except EOFError:  # added: input ended (a pipe), stop like the Rust twin
    pass
