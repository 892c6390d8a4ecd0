//! Batched system calls for the SNTP server: `recvmmsg` and `sendmmsg` (Linux).
//!
//! The plain loop in [`crate::sntp_server::serve`] makes two system calls per
//! request: `recvfrom` and `sendto`. A system call costs far more than building
//! an NTP reply, so under load the server spends its time crossing into the
//! kernel and back. Linux can move many datagrams per crossing: `recvmmsg`
//! fills up to [`BATCH`] buffers in one call (with `MSG_WAITFORONE` it blocks
//! until at least one datagram is there, then takes whatever else is queued),
//! and `sendmmsg` sends all the replies in one call. With 64 requests in flight,
//! a call typically carries several datagrams.
//!
//! The `nix` crate wraps both calls in safe functions, so no `unsafe` appears
//! here. On other systems the server uses the plain loop.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg};

use crate::droplog::{DropLog, is_peer_error};
use crate::packet::HEADER_LEN;
use crate::sntp_server::{MAX_REQUEST_LEN, ServerConfig, answer, stamp_transmit};
use crate::timestamp::Timestamp;

/// Datagrams moved per system call at most. 64 matches the bench's requests in
/// flight; more would only make each buffer set bigger.
pub const BATCH: usize = 64;

/// One receive buffer: a request we might answer, plus one byte so that a longer
/// datagram is seen as too long (the kernel also flags it `MSG_TRUNC`).
const SLOT_LEN: usize = MAX_REQUEST_LEN + 1;

/// What one `recvmmsg` call brought: (length, truncated?, sender) per datagram.
type Received = Vec<(usize, bool, Option<SockaddrStorage>)>;

fn errno_to_io(errno: nix::errno::Errno) -> io::Error {
    io::Error::from_raw_os_error(errno as i32)
}

// ANCHOR: batched
/// Serves requests on `socket` in batches until an error that is not a peer's.
pub fn serve_batched(socket: &UdpSocket, config: &ServerConfig) -> io::Result<()> {
    let fd = socket.as_raw_fd();
    let mut buffers = vec![[0u8; SLOT_LEN]; BATCH];
    let mut replies = vec![[0u8; HEADER_LEN]; BATCH];
    let mut peers: Vec<Option<SockaddrStorage>> = Vec::with_capacity(BATCH);
    let mut receive_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut drops = DropLog::new("sntp-server");
    loop {
        // 1. Receive up to BATCH datagrams in one call. (The slice lists are
        // rebuilt each time because they borrow the buffers only for the call:
        // two small allocations, nothing next to a system call.)
        let received: Received = {
            let mut slices: Vec<[IoSliceMut<'_>; 1]> =
                buffers.iter_mut().map(|b| [IoSliceMut::new(b)]).collect();
            match recvmmsg(
                fd,
                &mut receive_headers,
                slices.iter_mut(),
                MsgFlags::MSG_WAITFORONE,
                None,
            ) {
                Ok(results) => results
                    .map(|m| (m.bytes, m.flags.contains(MsgFlags::MSG_TRUNC), m.address))
                    .collect(),
                Err(errno) => {
                    let error = errno_to_io(errno);
                    if is_peer_error(&error) {
                        continue;
                    }
                    return Err(error);
                }
            }
        };
        // T2 for the whole batch: they were all waiting in the queue by now.
        let t2 = Timestamp::now();

        // 2. Build the replies; drop what is not a valid request.
        peers.clear();
        let mut count = 0;
        for (index, (len, truncated, peer)) in received.into_iter().enumerate() {
            let (Some(buffer), Some(reply)) = (buffers.get(index), replies.get_mut(count)) else {
                break;
            };
            // UDP always tells the sender; without one there is nobody to answer.
            if peer.is_none() {
                continue;
            }
            let request = if truncated {
                &buffer[..]
            } else {
                buffer.get(..len).unwrap_or(buffer)
            };
            match answer(request, t2, config, reply) {
                Ok(()) => {
                    // T3 a few microseconds before the batch actually leaves:
                    // the price of batching, far below what NTP can resolve
                    // across a real network.
                    stamp_transmit(reply);
                    peers.push(peer);
                    count += 1;
                }
                Err(why) => {
                    if let Some(addr) = peer.as_ref().and_then(to_std) {
                        drops.note(addr, &why);
                    }
                }
            }
        }
        if count == 0 {
            continue;
        }

        // 3. Send all the replies, in one call if the kernel takes them all.
        let mut sent = 0;
        while sent < count {
            let slices: Vec<[IoSlice<'_>; 1]> = replies[sent..count]
                .iter()
                .map(|r| [IoSlice::new(r)])
                .collect();
            let addresses = &peers[sent..count];
            match sendmmsg(
                fd,
                &mut send_headers,
                slices.iter(),
                addresses,
                [],
                MsgFlags::empty(),
            ) {
                // sendmmsg may stop early (a full buffer): send the rest next.
                Ok(results) => sent += results.count().max(1),
                Err(errno) => {
                    let error = errno_to_io(errno);
                    if !is_peer_error(&error) && error.kind() != io::ErrorKind::WouldBlock {
                        return Err(error);
                    }
                    // That reply is lost, as UDP allows; go on with the others.
                    sent += 1;
                }
            }
        }
    }
}
// ANCHOR_END: batched

/// nix's socket address as std's, for the log line.
fn to_std(address: &SockaddrStorage) -> Option<std::net::SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(std::net::SocketAddrV4::from(*v4).into());
    }
    address
        .as_sockaddr_in6()
        .map(|v6| std::net::SocketAddrV6::from(*v6).into())
}
