//! 七.验证客户端链接的合法性 — the tutorial's client (tests/python/auth_client.py),
//! line by line: read the server's 32 random bytes, answer with their HMAC, then
//! send each line typed and print the reply; `quit` ends.
//!
//! Terminal 1: `NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_server`
//! Terminal 2: `NETLAB_SECRET=alex-sb cargo run -q -p auth --example auth_client`
//! (an optional second argument `md5` selects the course's old digest).
//!
//! The lab program `auth client` adds timeouts, explained errors (a wrong key
//! shows as a closed connection, and it says so), `--digest` and `--verdict`.

use std::env;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::Sha256;

// Python: def conn_auth(conn):  (M is the digest: Hmac<Sha256> or Hmac<Md5>)
fn conn_auth<M: Mac + KeyInit>(conn: &mut TcpStream, secret_key: &[u8]) -> io::Result<()> {
    let mut msg = [0u8; 32];
    conn.read_exact(&mut msg)?; // Python: msg = conn.recv(32)  (recv may return fewer)
    // Python: h = hmac.new(secret_key, msg, digestmod)
    let mut h = <M as Mac>::new_from_slice(secret_key).expect("HMAC takes keys of any length");
    h.update(&msg);
    let digest = h.finalize().into_bytes(); // Python: digest = h.digest()
    conn.write_all(&digest) // Python: conn.sendall(digest)
}

// Python: def client_handler(ip_port, bufsize=1024):
fn client_handler(ip_port: &str, bufsize: usize, key: &[u8], digestmod: &str) -> io::Result<()> {
    // Python: tcp_socket_client = socket(AF_INET, SOCK_STREAM)
    // Python: tcp_socket_client.connect(ip_port)
    let mut tcp_socket_client = TcpStream::connect(ip_port)?;
    tcp_socket_client.set_read_timeout(Some(Duration::from_secs(10)))?; // Python: settimeout(10)
    match digestmod {
        "md5" => conn_auth::<Hmac<Md5>>(&mut tcp_socket_client, key)?,
        "sha256" => conn_auth::<Hmac<Sha256>>(&mut tcp_socket_client, key)?,
        _ => return Err(io::Error::other("digestmod: sha256 or md5")), // Python: ValueError
    }
    let mut respone = vec![0u8; bufsize];
    loop {
        // Python: data = input('>>: ').strip()
        print!(">>: ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // the end of the input (Python: EOFError)
        }
        let data = line.trim();
        if data.is_empty() {
            continue; // Python: if not data: continue
        }
        if data == "quit" {
            break; // Python: if data == 'quit': break
        }
        tcp_socket_client.write_all(data.as_bytes())?; // Python: tcp_socket_client.sendall(data.encode('utf-8'))
        let n = tcp_socket_client.read(&mut respone)?; // Python: respone = tcp_socket_client.recv(bufsize)
        println!("{}", String::from_utf8_lossy(&respone[..n])); // Python: print(respone.decode('utf-8'))
    }
    Ok(()) // Python: tcp_socket_client.close()  (dropping the stream closes it)
}

fn main() -> io::Result<()> {
    let argv: Vec<String> = env::args().collect();
    // Python: secret_key = os.environb[b'NETLAB_SECRET']
    let secret_key = env::var("NETLAB_SECRET")
        .map_err(|_| io::Error::other("set NETLAB_SECRET to the shared key"))?;
    // Python: digestmod = sys.argv[2] if len(sys.argv) > 2 else 'sha256'
    let digestmod = argv.get(2).map_or("sha256", String::as_str);
    let ip_port = argv.get(1).map_or("127.0.0.1:9999", String::as_str);
    client_handler(ip_port, 1024, secret_key.as_bytes(), digestmod)
}
