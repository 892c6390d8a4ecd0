# 八.socketserver模块 — the tutorial's concurrent server: ThreadingTCPServer with a
# handler that echoes every recv(1024) back upper-cased until the client closes.
#
# Changed from the tutorial only so that tests can use it: the address comes from
# argv (default the tutorial's 127.0.0.1:9999; port 0 = any free port), and the
# server prints `listening on HOST:PORT` first, like every netlab server.
import socketserver
import sys


class MyServer(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(1024)
            if not data:
                break
            self.request.sendall(data.upper())


if __name__ == '__main__':
    host, port = (sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:9999').rsplit(':', 1)
    server = socketserver.ThreadingTCPServer((host, int(port)), MyServer)
    print('listening on %s:%d' % server.server_address, flush=True)
    server.serve_forever()
