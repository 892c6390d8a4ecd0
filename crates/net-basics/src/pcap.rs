//! Capture files (抓包文件): frames written as a `.pcap` file that Wireshark and
//! tshark open.
//!
//! 三.网络基础 explains the layers with pictures; a capture file shows them for
//! real. The classic pcap format (libpcap's, the one `tcpdump -w` writes) is a
//! 24-byte file header naming the link type (here Ethernet), then, per frame, a
//! 16-byte record header (time, captured length, original length) and the
//! frame's bytes. The format is written by the maintained `pcap-file` crate; this
//! module only chooses the header and sends every frame to the file at once.
//!
//! Chapter 3's `capture` and `lan`, and the chaos proxies of chapters 4 and 5,
//! write their `--pcap FILE` with it:
//!
//! ```no_run
//! use std::time::Duration;
//! use net_basics::pcap::PcapFile;
//! # fn main() -> std::io::Result<()> {
//! let mut file = PcapFile::create("hello.pcap")?;
//! let frame = [0u8; 60]; // an Ethernet frame: see encap.rs and tcp.rs
//! file.write(Duration::from_secs(1), &frame)?;
//! # Ok(()) }
//! ```
//!
//! ```text
//! $ tshark -r hello.pcap
//! $ wireshark hello.pcap
//! ```

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};

/// The longest frame kept whole: tcpdump's default. The loopback interface's MTU
/// is 65,536 bytes, so no frame of ours comes near it; a longer one would be cut
/// here and its record would still give its original length.
pub const SNAPLEN: u32 = 262_144;

/// A capture file being written: the file header is on disk once this exists, and
/// each [`PcapFile::write`] adds one frame.
pub struct PcapFile<W: Write = File> {
    writer: PcapWriter<W>,
}

impl PcapFile {
    /// Creates (or truncates) the file at `path` and writes the pcap header:
    /// version 2.4, link type Ethernet (1), microsecond times.
    ///
    /// The file is not buffered: each frame is in it as soon as
    /// [`PcapFile::write`] returns. A capture is often stopped with Ctrl-C, which
    /// ends the process without running any destructor (nothing would flush a
    /// buffer), and Wireshark may be reading the file while it grows. A few
    /// small writes per frame cost nothing at the rates of a lesson.
    pub fn create(path: impl AsRef<Path>) -> io::Result<PcapFile> {
        PcapFile::new(File::create(path)?)
    }
}

impl<W: Write> PcapFile<W> {
    /// A capture written to any writer (a `Vec<u8>` in tests).
    pub fn new(writer: W) -> io::Result<PcapFile<W>> {
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: SNAPLEN,
            // Every frame starts with an Ethernet II header (14 bytes): Wireshark
            // decodes from there, layer by layer, like the receiver does.
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::MicroSecond,
            // Readers detect the byte order from the magic number; the machine's
            // own is what tcpdump writes too.
            endianness: Endianness::native(),
        };
        let writer = PcapWriter::with_header(writer, header).map_err(io_error)?;
        Ok(PcapFile { writer })
    }

    /// Adds one Ethernet frame, stamped `at`: the time since the Unix epoch, or
    /// a made-up time for a simulation (Wireshark shows the differences).
    pub fn write(&mut self, at: Duration, frame: &[u8]) -> io::Result<()> {
        let original_len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        let kept = frame.get(..SNAPLEN as usize).unwrap_or(frame);
        let packet = PcapPacket::new(at, original_len, kept);
        self.writer.write_packet(&packet).map_err(io_error)?;
        Ok(())
    }

    /// The writer, with everything written so far.
    pub fn into_inner(self) -> W {
        self.writer.into_writer()
    }
}

impl<W: Write> fmt::Debug for PcapFile<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapFile")
            .field("snaplen", &self.writer.snaplen())
            .finish_non_exhaustive()
    }
}

/// pcap-file's error as the `io::Error` every caller already handles: writing a
/// capture fails like writing any file (disk full, permission denied).
fn io_error(error: PcapError) -> io::Error {
    match error {
        PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_file::pcap::PcapReader;

    #[test]
    fn the_file_header_names_version_2_4_and_ethernet() {
        let bytes = PcapFile::new(Vec::new()).unwrap().into_inner();
        assert_eq!(bytes.len(), 24, "the global header alone");
        let magic = u32::from_ne_bytes(bytes[0..4].try_into().unwrap());
        assert_eq!(magic, 0xa1b2_c3d4, "microsecond pcap, native byte order");
        let link_type = u32::from_ne_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!(link_type, 1, "LINKTYPE_ETHERNET");
    }

    #[test]
    fn frames_read_back_with_their_times_and_bytes() {
        let mut file = PcapFile::new(Vec::new()).unwrap();
        let first = [0xaa; 60];
        let second = [0xbb; 100];
        file.write(Duration::from_millis(1_500), &first).unwrap();
        file.write(Duration::new(2, 250_000_000), &second).unwrap();
        let bytes = file.into_inner();
        assert_eq!(bytes.len(), 24 + (16 + 60) + (16 + 100));

        let mut reader = PcapReader::new(&bytes[..]).unwrap();
        let packet = reader.next_packet().unwrap().unwrap();
        assert_eq!(packet.timestamp, Duration::from_millis(1_500));
        assert_eq!((packet.orig_len, &packet.data[..]), (60, &first[..]));
        let packet = reader.next_packet().unwrap().unwrap();
        assert_eq!(packet.timestamp, Duration::new(2, 250_000_000));
        assert_eq!(&packet.data[..], &second[..]);
        assert!(reader.next_packet().is_none());
    }
}
