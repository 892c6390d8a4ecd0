# The tutorial's TCP chat client (tcp 聊天小工具, client), kept as written except
# that the address comes from argv.
# Usage: python3 chat_client.py [HOST:PORT]   (default 127.0.0.1:9000)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)

sk = socket.socket()  # 创建一个对象
sk.connect((host, int(port)))  # 连接ip地址和端口
while True:  # 循环为真
    msg = sk.recv(1024)  # 接收对端信息
    print(msg.decode('utf-8'), flush=True)  # 打印接收的信息用utf-8方式解码
    if msg == b'q': break  # 如果接收的信息是q,则退出
    inp = input('>>>')  # 输入你的内容
    if inp == 'q':  # 如果是q
        sk.send(inp.encode('utf-8'))  # 则发送utf-8的的内容
        break  # 打断
    sk.send(inp.encode('utf-8'))  # 发送utf-8的的内容
sk.close()  # 关闭这个对象
