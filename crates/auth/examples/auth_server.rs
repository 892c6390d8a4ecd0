//! 七.验证客户端链接的合法性 — the tutorial's server (tests/python/auth_server.py),
//! line by line: 32 random bytes to every new connection, the client's HMAC answer
//! compared in constant time, then `data.upper()` until the client closes. A
//! wrong answer is closed without a word.
//!
//! Terminal 1: `NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_server`
//! Terminal 2: `NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_client`
//! (an optional second argument `md5` selects the course's old digest).
//!
//! The lab program `auth server` adds a deadline for the answer, a client limit,
//! explained errors, `--digest` and `--verdict`.

use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::Sha256;

// Python: def conn_auth(conn):  (M is the digest: Hmac<Sha256> or Hmac<Md5>)
fn conn_auth<M: Mac + KeyInit>(conn: &mut TcpStream, secret_key: &[u8]) -> io::Result<bool> {
    println!("开始验证新链接的合法性");
    let mut msg = [0u8; 32];
    getrandom::fill(&mut msg)?; // Python: msg = os.urandom(32)
    conn.write_all(&msg)?; // Python: conn.sendall(msg)
    // Python: h = hmac.new(secret_key, msg, digestmod)
    let mut h = <M as Mac>::new_from_slice(secret_key).expect("HMAC takes keys of any length");
    h.update(&msg);
    // Python: respone = conn.recv(len(digest))  (read_exact: recv may return fewer)
    let mut respone = vec![0u8; M::output_size()];
    if conn.read_exact(&mut respone).is_err() {
        return Ok(false);
    }
    Ok(h.verify_slice(&respone).is_ok()) // Python: return hmac.compare_digest(respone, digest)
}

// Python: def data_handler(conn, bufsize=1024):
fn data_handler(
    mut conn: TcpStream,
    bufsize: usize,
    key: &[u8],
    digestmod: &str,
) -> io::Result<()> {
    let ok = match digestmod {
        "md5" => conn_auth::<Hmac<Md5>>(&mut conn, key)?,
        "sha256" => conn_auth::<Hmac<Sha256>>(&mut conn, key)?,
        _ => return Err(io::Error::other("digestmod: sha256 or md5")), // Python: ValueError
    };
    if !ok {
        println!("该链接不合法,关闭");
        return Ok(()); // Python: conn.close(); return  (dropping conn closes it)
    }
    println!("链接合法,开始通信");
    let mut data = vec![0u8; bufsize];
    loop {
        let n = conn.read(&mut data)?; // Python: data = conn.recv(bufsize)
        if n == 0 {
            break; // Python: if not data: break
        }
        conn.write_all(&data[..n].to_ascii_uppercase())?; // Python: conn.sendall(data.upper())
    }
    Ok(())
}

// Python: def server_handler(ip_port, bufsize, backlog=5):
fn server_handler(ip_port: &str, bufsize: usize, key: &[u8], digestmod: &str) -> io::Result<()> {
    // Python: tcp_socket_server = socket(AF_INET, SOCK_STREAM)
    // Python: tcp_socket_server.bind(ip_port)
    // Python: tcp_socket_server.listen(backlog)
    let tcp_socket_server = TcpListener::bind(ip_port)?;
    println!("listening on {}", tcp_socket_server.local_addr()?);
    loop {
        let (conn, addr) = tcp_socket_server.accept()?; // Python: conn, addr = tcp_socket_server.accept()
        println!("新连接[{}:{}]", addr.ip(), addr.port());
        // Python: data_handler(conn, bufsize)  (a reset connection would stop the
        // Python server with a traceback; here it is printed and the next is served)
        if let Err(error) = data_handler(conn, bufsize, key, digestmod) {
            println!("{error}");
        }
    }
}

fn main() -> io::Result<()> {
    let argv: Vec<String> = env::args().collect();
    // Python: secret_key = os.environb[b'NETLAB_SECRET']
    let secret_key = env::var("NETLAB_SECRET")
        .map_err(|_| io::Error::other("set NETLAB_SECRET to the shared key"))?;
    // Python: digestmod = sys.argv[2] if len(sys.argv) > 2 else 'sha256'
    let digestmod = argv.get(2).map_or("sha256", String::as_str);
    let ip_port = argv.get(1).map_or("127.0.0.1:9999", String::as_str);
    server_handler(ip_port, 1024, secret_key.as_bytes(), digestmod)
}
