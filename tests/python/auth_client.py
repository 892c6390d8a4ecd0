# 七.验证客户端链接的合法性 — the tutorial's client: answer the server's 32 random
# bytes with the HMAC of them, then send each line typed and print the reply;
# `quit` ends.
#
# Changed from the tutorial only where noted:
# - the server address comes from argv (default the tutorial's 127.0.0.1:9999);
# - the key comes from the environment variable NETLAB_SECRET, not the source;
# - the digest is named (Python 3.8+ requires it): 'sha256', or 'md5' as a
#   second argument, what the tutorial's hmac.new(secret_key, msg) meant;
# - the socket has a timeout (10 s): a silent server cannot hang the client.
from socket import *
import hmac, os, sys

secret_key = os.environb[b'NETLAB_SECRET']
digestmod = sys.argv[2] if len(sys.argv) > 2 else 'sha256'


def conn_auth(conn):
    '''
    验证客户端到服务器的链接
    :param conn:
    :return:
    '''
    msg = conn.recv(32)
    h = hmac.new(secret_key, msg, digestmod)
    digest = h.digest()
    conn.sendall(digest)


def client_handler(ip_port, bufsize=1024):
    tcp_socket_client = socket(AF_INET, SOCK_STREAM)
    tcp_socket_client.settimeout(10)
    tcp_socket_client.connect(ip_port)

    conn_auth(tcp_socket_client)

    while True:
        data = input('>>: ').strip()
        if not data: continue
        if data == 'quit': break

        tcp_socket_client.sendall(data.encode('utf-8'))
        respone = tcp_socket_client.recv(bufsize)
        print(respone.decode('utf-8'))
    tcp_socket_client.close()


if __name__ == '__main__':
    host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    ip_port = (host, int(port))
    bufsize = 1024
    client_handler(ip_port, bufsize)
