//! The copies `framing bench` times: a raw `sendfile` into a reader that
//! discards (the loopback limit), socat into socat, and our own transfer with
//! the hash in the header and in a trailer.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Instant;

use netlab_common::admission::{Admission, Limits};

use super::{BenchError, Figure, STEP_TIMEOUT};
use crate::transfer::send::send_part;
use crate::transfer::{
    CHUNK, HashPlacement, Rules, SendConfig, UploadError, receive_one, send_file,
};

/// Loopback limit: sendfile into a socket, a reader that discards.
pub(super) fn raw_copy(path: &Path, size: u64) -> io::Result<Figure> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = thread::spawn(move || -> io::Result<u64> {
        let (mut conn, _) = listener.accept()?;
        conn.set_read_timeout(Some(STEP_TIMEOUT))?;
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0u64;
        loop {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            total += n as u64;
        }
    });
    let started = Instant::now();
    let conn = TcpStream::connect(addr)?;
    let file = File::open(path)?;
    // The sender's own sendfile(2) (std's `io::copy` would copy through a buffer).
    let sent = send_part(&file, &conn, size)?;
    conn.shutdown(std::net::Shutdown::Write)?;
    let total = reader
        .join()
        .map_err(|_| io::Error::other("reader panicked"))??;
    let elapsed = started.elapsed();
    if total != size || sent != size {
        return Err(io::Error::other(format!(
            "raw copy moved {total} of {size} bytes"
        )));
    }
    Ok(Figure::new("raw copy (sendfile → discard)", size, elapsed))
}

/// A child process killed (and reaped) when dropped, so that no error path of
/// the benchmark leaves a socat listening behind it.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// socat into socat, writing a file. `None` if socat is not installed.
pub(super) fn socat_copy(path: &Path, work: &Path, size: u64) -> io::Result<Option<Figure>> {
    if !netlab_common::programs::on_path("socat") {
        return Ok(None);
    }
    let out = work.join("socat-copy");
    let mut receiver = KillOnDrop(
        Command::new("socat")
            .args(["-d", "-d", "-u", "TCP-LISTEN:0,bind=127.0.0.1"])
            .arg(format!("CREATE:{}", out.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?,
    );
    let receiver = &mut receiver.0;
    // socat -d -d logs "listening on AF=2 127.0.0.1:PORT": that is how we learn
    // the port it picked.
    let stderr = receiver
        .stderr
        .take()
        .ok_or_else(|| io::Error::other("no stderr"))?;
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let Some(line) = lines.next() else {
            return Err(io::Error::other("socat exited before listening"));
        };
        let line = line?;
        if let Some(addr) = line.split("listening on AF=2 ").nth(1) {
            let addr: SocketAddr = addr
                .trim()
                .parse()
                .map_err(|_| io::Error::other(format!("unexpected socat line: {line}")))?;
            break addr.port();
        }
    };
    // Keep draining socat's log so it never blocks on a full pipe.
    thread::spawn(move || for _ in lines {});
    let started = Instant::now();
    let sender = Command::new("socat")
        .args(["-u"])
        .arg(format!("OPEN:{}", path.display()))
        .arg(format!("TCP:127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()?;
    if !sender.success() {
        // The receiving socat would wait forever for a sender: it is killed
        // when `KillOnDrop` goes out of scope.
        return Err(io::Error::other("the sending socat failed"));
    }
    let received = receiver.wait()?;
    let elapsed = started.elapsed();
    if !received.success() {
        return Err(io::Error::other("the receiving socat failed"));
    }
    let copied = fs::metadata(&out)?.len();
    let _ = fs::remove_file(&out);
    if copied != size {
        return Err(io::Error::other(format!(
            "socat copied {copied} of {size} bytes"
        )));
    }
    Ok(Some(Figure::new(
        "socat → socat (file to file)",
        size,
        elapsed,
    )))
}

/// Our transfer: `send_file` into `receive_one`, hash and rename included, with
/// the hash where `hash` says.
pub(super) fn framing_copy(
    path: &Path,
    work: &Path,
    size: u64,
    hash: HashPlacement,
) -> Result<Figure, BenchError> {
    let inbox = work.join("inbox");
    fs::create_dir_all(&inbox).map_err(BenchError::io("creating the inbox"))?;
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(BenchError::io("binding 127.0.0.1:0"))?;
    let addr = listener
        .local_addr()
        .map_err(BenchError::io("local address"))?;
    let receiver_dir = inbox.clone();
    let receiver = thread::spawn(move || -> Result<u64, UploadError> {
        let (mut conn, peer) = listener.accept()?;
        let _ = conn.set_read_timeout(Some(STEP_TIMEOUT));
        // The same rules and slot as `framing receive`, with room for any size.
        let rules = Rules {
            max_size: u64::MAX,
            ..Rules::default()
        };
        let ticket = Admission::new(Limits::for_slots(1))
            .admit(peer.ip())
            .map_err(UploadError::Busy)?;
        receive_one(&mut conn, &receiver_dir, &rules, ticket).map(|saved| saved.size)
    });
    let started = Instant::now();
    send_file(&SendConfig {
        addr,
        path: path.to_path_buf(),
        timeout: STEP_TIMEOUT,
        progress: false,
        hash,
    })
    .map_err(BenchError::Send)?;
    let saved = receiver
        .join()
        .map_err(|_| BenchError::io("receiving")(io::Error::other("the receiver panicked")))?
        .map_err(BenchError::Receive)?;
    let elapsed = started.elapsed();
    let _ = fs::remove_dir_all(&inbox);
    if saved != size {
        return Err(BenchError::io("framing copy")(io::Error::other(format!(
            "framing saved {saved} of {size} bytes"
        ))));
    }
    let name = match hash {
        HashPlacement::Header => "framing send → receive (sha256, rename)",
        HashPlacement::Trailer => "framing send --hash trailer → receive",
    };
    Ok(Figure::new(name, size, elapsed))
}
