//! The receiver's pipeline: how `framing receive` keeps up with a fast sender.
//! Machinery, not the lesson: what the receiver does with the body is in
//! `receive.rs` (read exactly `filesize` bytes, hash them, write them to a
//! temporary file); this file does those three at the same time, on three
//! threads, with a fixed set of buffers, so that a multi-GB file costs 10 MiB of
//! memory and arrives about as fast as the disk and the hash allow (see
//! `framing bench`).
//!
//! A simpler receiver would do the three one after another in one loop:
//!
//! ```text
//! while got < size { n = read(chunk); hasher.update(chunk); file.write_all(chunk); }
//! ```
//!
//! which is correct, but leaves the socket unread while a chunk is hashed and
//! written.

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::mpsc;
use std::thread;

use netlab_common::stream::read_full;
use sha2::{Digest, Sha256};

use super::{CHUNK, PIPELINE_DEPTH};

// ANCHOR: receive_body
/// Reads exactly `size` bytes (or until the sender stops) and, at the same
/// time, hashes them on a second thread and writes them to `file` on a third.
/// Returns how many bytes arrived and their SHA-256.
///
/// A three-stage pipeline: reading the socket, hashing and writing each take
/// about the same time, and while one chunk is hashed the next is being read
/// and the previous one written. Buffers travel in a circle (reader → hasher →
/// writer → back to the reader), so memory stays at `2 * PIPELINE_DEPTH + 2`
/// chunks however large the file.
pub(super) fn receive_body<R: Read>(
    conn: &mut R,
    file: File,
    size: u64,
) -> io::Result<(u64, [u8; 32])> {
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    let (hashed_tx, hashed_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(2 * PIPELINE_DEPTH + 2);
    for _ in 0..2 * PIPELINE_DEPTH + 2 {
        let _ = empty_tx.send(Vec::with_capacity(CHUNK));
    }
    // Stage 2: hash each chunk, pass it on.
    let hasher = thread::spawn(move || -> [u8; 32] {
        let mut hasher = Sha256::new();
        for chunk in full_rx {
            hasher.update(&chunk);
            if hashed_tx.send(chunk).is_err() {
                break; // the writer failed; it reports why
            }
        }
        hasher.finalize().into()
    });
    // Stage 3: write each chunk to the file, hand the buffer back to stage 1.
    let writer = thread::spawn(move || -> io::Result<()> {
        let mut file = file;
        for chunk in hashed_rx {
            file.write_all(&chunk)?;
            // The reader may have stopped early; then nobody takes buffers back.
            let _ = empty_tx.send(chunk);
        }
        file.flush()
    });
    // Stage 1, on this thread: read the socket.
    let mut got: u64 = 0;
    let mut read_error = None;
    while got < size {
        let Ok(mut chunk) = empty_rx.recv() else {
            break; // the writer failed; its error is reported below
        };
        let want = (size - got).min(CHUNK as u64) as usize;
        chunk.resize(want, 0);
        let n = match read_full(conn, &mut chunk) {
            Ok(n) => n,
            Err(error) => {
                read_error = Some(error);
                break;
            }
        };
        chunk.truncate(n);
        got += n as u64;
        if n > 0 && full_tx.send(chunk).is_err() {
            break;
        }
        if n < want {
            break; // the sender closed early
        }
    }
    drop(full_tx);
    let digest = hasher
        .join()
        .map_err(|_| io::Error::other("the hashing thread panicked"))?;
    writer
        .join()
        .map_err(|_| io::Error::other("the writing thread panicked"))??;
    match read_error {
        Some(error) => Err(error),
        None => Ok((got, digest)),
    }
}
// ANCHOR_END: receive_body
