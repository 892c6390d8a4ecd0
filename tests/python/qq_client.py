# _*_coding:utf-8_*_
# The tutorial's QQ chat client (qq聊天), kept as written except: every contact's
# address comes from argv (the tutorial has them all at 127.0.0.1:8081), and the
# end of input stops it instead of an EOFError.
# Usage: python3 qq_client.py [HOST:PORT]   (default 127.0.0.1:8081)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:8081').rsplit(':', 1)
server = (host, int(port))

BUFSIZE = 1024  # 设置大小为1024字节
udp_client_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # 设置udp的套接字
qq_name_dic = {
    '金老板': server,
    '哪吒': server,
    'egg': server,
    'yuan': server,
}  # 得到一个qq名称的字典
try:
    while True:  # 设置循环为真
        qq_name = input('请选择聊天对象: ').strip()
        while True:  # 循环为真
            msg = input('请输入消息,回车发送,输入q结束和他的聊天: ').strip()  # 请输入聊天内容
            if msg == 'q': break  # 如果输入q则退出
            if not msg or not qq_name or qq_name not in qq_name_dic: continue
            udp_client_socket.sendto(msg.encode('utf-8'), qq_name_dic[qq_name])
            back_msg, addr = udp_client_socket.recvfrom(BUFSIZE)  # 得到来自谁的信息和地址
            print('来自[%s:%s]的一条消息:\033[1;44m%s\033[0m' % (addr[0], addr[1], back_msg.decode('utf-8')), flush=True)
except EOFError:  # added: input ended (a pipe), stop like the Rust twin
    pass
udp_client_socket.close()  # 关闭这个udp对象
