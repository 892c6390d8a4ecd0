# 七.验证客户端链接的合法性 — the tutorial's server: challenge every new connection
# with os.urandom(32), check the HMAC answer with hmac.compare_digest, then echo
# data.upper() until the client closes.
#
# Changed from the tutorial only where noted:
# - the address comes from argv (default the tutorial's 127.0.0.1:9999; port 0 =
#   any free port), and the server prints `listening on HOST:PORT` first;
# - the key comes from the environment variable NETLAB_SECRET, not the source;
# - digestmod is 'sha256' (the tutorial relied on the old MD5 default);
# - after the check it sends one line, b'welcome\n' or b'refused\n', like
#   `auth server`, so that the client learns the verdict;
# - a client that stays silent is dropped after 10 seconds (settimeout).
import hmac
import os
import sys
from socket import *

secret_key = os.environb[b'NETLAB_SECRET']


def conn_auth(conn):
    print('开始验证新链接的合法性', flush=True)
    msg = os.urandom(32)
    conn.sendall(msg)
    h = hmac.new(secret_key, msg, 'sha256')
    digest = h.digest()
    respone = b''
    while len(respone) < len(digest):  # recv(32) may return fewer bytes
        chunk = conn.recv(len(digest) - len(respone))
        if not chunk:
            break
        respone += chunk
    ok = hmac.compare_digest(respone, digest)
    conn.sendall(b'welcome\n' if ok else b'refused\n')
    return ok


def data_handler(conn, bufsize=1024):
    conn.settimeout(10)
    try:
        if not conn_auth(conn):
            print('该链接不合法,关闭', flush=True)
            conn.close()
            return
    except OSError:
        conn.close()
        return
    print('链接合法,开始通信', flush=True)
    while True:
        data = conn.recv(bufsize)
        if not data:
            break
        conn.sendall(data.upper())
    conn.close()


def server_handler(ip_port, bufsize, backlog=5):
    tcp_socket_server = socket(AF_INET, SOCK_STREAM)
    tcp_socket_server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    tcp_socket_server.bind(ip_port)
    tcp_socket_server.listen(backlog)
    print('listening on %s:%d' % tcp_socket_server.getsockname(), flush=True)
    while True:
        conn, addr = tcp_socket_server.accept()
        print('新连接[%s:%s]' % (addr[0], addr[1]), flush=True)
        data_handler(conn, bufsize)


if __name__ == '__main__':
    host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    server_handler((host, int(port)), 1024)
