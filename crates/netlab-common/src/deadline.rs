//! One deadline for a whole exchange, and a minimum rate for a long one.
//!
//! A read timeout (`set_read_timeout`, Python's `settimeout`) restarts with every
//! read: a peer that sends one byte every 9 seconds never meets a 10-second
//! timeout, and holds its connection (and a server thread or slot) for as long as
//! it likes. Two stricter rules stop that, and every server uses them:
//!
//! - [`Deadline`]: a handshake or a header must be complete *by* a point in time:
//!   each read may wait only for what is left;
//! - [`RateFloor`]: a long transfer (an upload) must keep up an average rate over
//!   every window of time, however it splits its bytes.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A connection whose reads share one deadline: `read` fails with
/// [`io::ErrorKind::TimedOut`] once it has passed. Writes are passed through.
/// The connection's own read timeout is restored when this is dropped.
///
/// ```no_run
/// use std::io::Read;
/// use std::time::Duration;
/// use netlab_common::deadline::Deadline;
/// # fn f(conn: &std::net::TcpStream) -> std::io::Result<()> {
/// let mut header = [0u8; 4];
/// Deadline::after(conn, Duration::from_secs(10))?.read_exact(&mut header)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Deadline<'a> {
    conn: &'a TcpStream,
    until: Instant,
    restore: Option<Duration>,
}

impl<'a> Deadline<'a> {
    /// Reads on `conn` from now on must all be done within `limit`.
    pub fn after(conn: &'a TcpStream, limit: Duration) -> io::Result<Deadline<'a>> {
        Ok(Deadline {
            conn,
            until: Instant::now() + limit,
            restore: conn.read_timeout()?,
        })
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.until
    }
}

// ANCHOR: deadline_read
impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_read_timeout(Some(left))?;
        let mut conn = self.conn;
        match conn.read(buf) {
            // A timed-out read is reported as TimedOut on every system (Unix says
            // WouldBlock), so callers can tell it from other errors.
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                Err(io::ErrorKind::TimedOut.into())
            }
            other => other,
        }
    }
}
// ANCHOR_END: deadline_read

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut conn = self.conn;
        conn.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut conn = self.conn;
        conn.flush()
    }
}

impl Drop for Deadline<'_> {
    fn drop(&mut self) {
        let _ = self.conn.set_read_timeout(self.restore);
    }
}

/// Waits at most `limit` for a new client's first bytes, and leaves them in
/// the socket for whoever reads next (`peek`). `Ok(true)`: bytes are waiting;
/// `Ok(false)`: the client closed first; a client that stays silent is
/// [`io::ErrorKind::TimedOut`] on every system. The connection's own read
/// timeout is restored.
pub fn first_bytes_within(conn: &TcpStream, limit: Duration) -> io::Result<bool> {
    let restore = conn.read_timeout()?;
    conn.set_read_timeout(Some(limit))?;
    let peeked = conn.peek(&mut [0u8; 1]);
    conn.set_read_timeout(restore)?;
    match peeked {
        Ok(n) => Ok(n > 0),
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
            Err(io::ErrorKind::TimedOut.into())
        }
        Err(error) => Err(error),
    }
}

/// A minimum average rate over every window of time: an upload that brings fewer
/// than `min_bytes_per_sec × window` bytes in a window is too slow.
///
/// Wrap a connection's reader: each `read` waits at most until the end of the
/// current window, so a silent peer is noticed on time too.
#[derive(Debug)]
pub struct RateFloor<'a> {
    conn: &'a TcpStream,
    min_bytes_per_sec: u64,
    window: Duration,
    window_start: Instant,
    in_window: u64,
    restore: Option<Duration>,
}

impl<'a> RateFloor<'a> {
    pub fn new(
        conn: &'a TcpStream,
        min_bytes_per_sec: u64,
        window: Duration,
    ) -> io::Result<RateFloor<'a>> {
        Ok(RateFloor {
            conn,
            min_bytes_per_sec,
            window,
            window_start: Instant::now(),
            in_window: 0,
            restore: conn.read_timeout()?,
        })
    }

    /// The bytes a whole window must bring.
    fn needed(&self) -> u64 {
        let per_window = self.min_bytes_per_sec as f64 * self.window.as_secs_f64();
        per_window.ceil() as u64
    }

    fn too_slow(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "too slow: {} bytes in {:?}, at least {} bytes/s are needed",
                self.in_window, self.window, self.min_bytes_per_sec
            ),
        )
    }
}

impl Read for RateFloor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let elapsed = self.window_start.elapsed();
            if elapsed >= self.window {
                if self.in_window < self.needed() {
                    return Err(self.too_slow());
                }
                // The window was fast enough: the next one starts now.
                self.window_start = Instant::now();
                self.in_window = 0;
                continue;
            }
            self.conn.set_read_timeout(Some(self.window - elapsed))?;
            let mut conn = self.conn;
            match conn.read(buf) {
                Ok(n) => {
                    self.in_window += n as u64;
                    return Ok(n);
                }
                // The window ended while waiting: judge it at the top of the loop.
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(error) => return Err(error),
            }
        }
    }
}

impl Drop for RateFloor<'_> {
    fn drop(&mut self) {
        let _ = self.conn.set_read_timeout(self.restore);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    /// A peer that sends one byte every 40 ms never meets a 100 ms read timeout,
    /// but meets a 300 ms deadline for 32 bytes.
    #[test]
    fn a_trickle_meets_the_deadline() {
        let (mut client, server) = pair();
        let trickle = thread::spawn(move || {
            for _ in 0..32 {
                // Slow on purpose: this is the behaviour under test.
                thread::sleep(Duration::from_millis(40));
                if client.write_all(b"x").is_err() {
                    break;
                }
            }
        });
        server
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut answer = [0u8; 32];
        let error = Deadline::after(&server, Duration::from_millis(300))
            .unwrap()
            .read_exact(&mut answer)
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        // The connection's own timeout is back.
        assert_eq!(
            server.read_timeout().unwrap(),
            Some(Duration::from_millis(100))
        );
        drop(server);
        trickle.join().unwrap();
    }

    #[test]
    fn an_answer_in_time_passes() {
        let (mut client, server) = pair();
        client.write_all(&[7u8; 32]).unwrap();
        let mut answer = [0u8; 32];
        Deadline::after(&server, Duration::from_secs(10))
            .unwrap()
            .read_exact(&mut answer)
            .unwrap();
        assert_eq!(answer, [7u8; 32]);
    }

    #[test]
    fn a_slow_upload_is_cut_a_fast_one_is_not() {
        let (mut client, server) = pair();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let sender = thread::spawn(move || {
            // 1 KiB at once (fast enough for the first window), then silence
            // until the reader has given up (the connection stays open).
            client.write_all(&[1u8; 1024]).unwrap();
            let _ = done_rx.recv();
        });
        // 2 KiB/s over 100 ms windows = 205 bytes per window.
        let mut floor = RateFloor::new(&server, 2048, Duration::from_millis(100)).unwrap();
        let mut got = Vec::new();
        let error = floor.read_to_end(&mut got).unwrap_err();
        assert_eq!(got.len(), 1024);
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("too slow"), "{error}");
        done_tx.send(()).unwrap();
        drop(floor);
        sender.join().unwrap();
    }
}
