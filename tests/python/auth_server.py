# 七.验证客户端链接的合法性 — the tutorial's server: send every new connection 32
# random bytes, compare the client's HMAC answer with hmac.compare_digest, and
# serve a client that knew the key data.upper() until it closes; a client that
# did not is closed without a word.
#
# Changed from the tutorial only where noted:
# - the address comes from argv (default the tutorial's 127.0.0.1:9999; port 0 =
#   any free port), and the server prints `listening on HOST:PORT` first;
# - the key comes from the environment variable NETLAB_SECRET, not the source;
# - the digest is named (Python 3.8+ requires it): 'sha256', or 'md5' as a
#   second argument, what the tutorial's hmac.new(secret_key, msg) meant.
from socket import *
import hmac, os, sys

secret_key = os.environb[b'NETLAB_SECRET']
digestmod = sys.argv[2] if len(sys.argv) > 2 else 'sha256'


def conn_auth(conn):
    '''
    认证客户端链接
    :param conn:
    :return:
    '''
    print('开始验证新链接的合法性', flush=True)
    msg = os.urandom(32)
    conn.sendall(msg)
    h = hmac.new(secret_key, msg, digestmod)
    digest = h.digest()
    respone = conn.recv(len(digest))
    return hmac.compare_digest(respone, digest)


def data_handler(conn, bufsize=1024):
    if not conn_auth(conn):
        print('该链接不合法,关闭', flush=True)
        conn.close()
        return
    print('链接合法,开始通信', flush=True)
    while True:
        data = conn.recv(bufsize)
        if not data: break
        conn.sendall(data.upper())


def server_handler(ip_port, bufsize, backlog=5):
    '''
    只处理链接
    :param ip_port:
    :return:
    '''
    tcp_socket_server = socket(AF_INET, SOCK_STREAM)
    tcp_socket_server.bind(ip_port)
    tcp_socket_server.listen(backlog)
    print('listening on %s:%d' % tcp_socket_server.getsockname(), flush=True)
    while True:
        conn, addr = tcp_socket_server.accept()
        print('新连接[%s:%s]' % (addr[0], addr[1]), flush=True)
        data_handler(conn, bufsize)


if __name__ == '__main__':
    host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    ip_port = (host, int(port))
    bufsize = 1024
    server_handler(ip_port, bufsize)
