# The tutorial's TCP chat server (tcp 聊天小工具, serevr端), kept as written except:
# the address comes from argv (the tutorial binds a classroom machine's
# 192.168.21.36:9000; tests pass 127.0.0.1:0), the `listening on` line is printed so
# a test can learn the port, and the end of input stops it instead of an EOFError.
# Usage: python3 chat_server.py [HOST:PORT]   (default 127.0.0.1:9000)
import socket
import sys

host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9000').rsplit(':', 1)

sk = socket.socket()  # 创建一个套接字对象
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # 使端口不会被冲突
sk.bind((host, int(port)))  # 绑定一台机器的ip地址,和端口号
sk.listen()  # 监听
print('listening on %s:%s' % sk.getsockname(), flush=True)  # added for tests
try:
    while True:  # 循环为真
        conn, addr = sk.accept()  # 接收连接 三次握手conn
        while True:  # 循环为真
            inp = input('>>>')  # 请输入内容
            if inp == 'q':  # 如果输入q
                conn.send(inp.encode('utf-8'))  # 向对端发送
                break  # 打断
            conn.send(inp.encode('utf-8'))  # 向对端发送,输入utf-8模式的内容
            msg = conn.recv(1024)  # 接收对端信息
            if msg == b'q': break  # 如果输入q则退出
            print(msg.decode('utf-8'), flush=True)  # 打印msg.decode('utf-8')的信息
        conn.close()  # 断开连接 四次挥手
except EOFError:  # added: input ended (a pipe), stop like the Rust twin
    pass
sk.close()  # 关闭服务器
