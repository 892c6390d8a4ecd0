# 七.验证客户端链接的合法性 — the tutorial's client: answer the server's 32-byte
# challenge with hmac.new(key, challenge, 'sha256').digest(), then send lines and
# print the replies.
#
# Changed from the tutorial only where noted:
# - the server address comes from argv (default the tutorial's 127.0.0.1:9999);
# - the key comes from the environment variable NETLAB_SECRET, not the source;
# - digestmod is 'sha256' (the tutorial relied on the old MD5 default);
# - it reads the server's verdict line (b'welcome\n' or b'refused\n') and prints
#   it; exit status 1 when refused;
# - lines come from stdin (input() without a prompt) so that tests can script it.
import hmac
import os
import sys
from socket import *

secret_key = os.environb[b'NETLAB_SECRET']


def conn_auth(conn):
    msg = conn.recv(32)
    h = hmac.new(secret_key, msg, 'sha256')
    digest = h.digest()
    conn.sendall(digest)
    verdict = conn.recv(8)
    print(verdict.decode('utf-8').strip() or 'closed', flush=True)
    return verdict == b'welcome\n'


def client_handler(ip_port, bufsize=1024):
    tcp_socket_client = socket(AF_INET, SOCK_STREAM)
    tcp_socket_client.settimeout(30)
    tcp_socket_client.connect(ip_port)
    if not conn_auth(tcp_socket_client):
        sys.exit(1)
    for line in sys.stdin:
        data = line.strip()
        if not data:
            continue
        if data == 'quit':
            break
        tcp_socket_client.sendall(data.encode('utf-8'))
        respone = tcp_socket_client.recv(bufsize)
        print(respone.decode('utf-8'), flush=True)
    tcp_socket_client.close()


if __name__ == '__main__':
    host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    client_handler((host, int(port)))
