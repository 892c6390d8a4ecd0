use std::io::{self, Read};

use ex_file_header::{Header, MAX_FILE, MAX_HEADER, is_plain_name, receive_file, send_file};

/// What the tutorial's Python client puts on the wire for a.txt holding `hello`:
/// header = json.dumps({'filename': 'a.txt', 'filesize': 5}).encode()
/// struct.pack('!I', len(header)) + header + b'hello'
fn from_python() -> Vec<u8> {
    let json = br#"{"filename": "a.txt", "filesize": 5}"#;
    let mut wire = (json.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(json);
    wire.extend_from_slice(b"hello");
    wire
}

/// A wire with the header `json` and `body` behind it.
fn wire(json: &str, body: &[u8]) -> Vec<u8> {
    let mut wire = (json.len() as u32).to_be_bytes().to_vec();
    wire.extend_from_slice(json.as_bytes());
    wire.extend_from_slice(body);
    wire
}

fn receive(bytes: &[u8]) -> io::Result<(Header, Vec<u8>)> {
    let mut reader = bytes;
    receive_file(&mut reader)
}

#[test]
fn a_file_sent_by_python_is_received() {
    let (header, contents) = receive(&from_python()).expect("the tutorial's upload");
    assert_eq!(
        header,
        Header {
            filename: "a.txt".into(),
            filesize: 5
        }
    );
    assert_bytes("the contents of a.txt", b"hello", &contents);
}

#[test]
fn the_length_of_the_header_is_big_endian() {
    let mut wire = Vec::new();
    send_file(&mut wire, "a.txt", b"hello").unwrap();
    let length = u32::from_be_bytes([wire[0], wire[1], wire[2], wire[3]]) as usize;
    assert!(
        length < 200 && wire.len() == 4 + length + 5,
        "the first 4 bytes must be the JSON header's length in network byte order \
         (struct.pack('!I')): got {:02x?}",
        &wire[..4]
    );
    let header: serde_json::Value = serde_json::from_slice(&wire[4..4 + length]).unwrap();
    assert_eq!(header["filename"], "a.txt");
    assert_eq!(header["filesize"], 5);
}

#[test]
fn a_round_trip_keeps_every_byte() {
    let contents: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let mut wire = Vec::new();
    send_file(&mut wire, "数据.bin", &contents).unwrap();
    let (header, got) = receive(&wire).unwrap();
    assert_eq!(header.filename, "数据.bin");
    assert_eq!(header.filesize, 100_000);
    assert_bytes(
        "the contents of 数据.bin after send_file and receive_file",
        &contents,
        &got,
    );
}

/// Reads at most one byte per call, as a slow network may deliver them.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_file_trickling_in_byte_by_byte_is_received() {
    let wire = from_python();
    let (header, contents) = receive_file(&mut OneByte(&wire)).unwrap();
    assert_eq!(header.filename, "a.txt");
    assert_bytes(
        "the contents of a.txt, received one byte per read",
        b"hello",
        &contents,
    );
}

#[test]
fn a_header_over_the_limit_is_refused_before_it_is_read() {
    // Announces a 4 GiB header and sends nothing more.
    let error = refused(&[0xff, 0xff, 0xff, 0xff], "a 4 GiB header");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
    let error = refused(&((MAX_HEADER as u32 + 1).to_be_bytes()), "MAX_HEADER + 1");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
}

#[test]
fn a_file_over_the_limit_is_refused_before_it_is_read() {
    let json = format!(r#"{{"filename": "big.iso", "filesize": {}}}"#, MAX_FILE + 1);
    let error = refused(&wire(&json, b""), "a file over MAX_FILE");
    assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{error}");
}

#[test]
fn a_header_that_is_not_json_is_invalid_data() {
    for json in [
        "filename=a.txt",
        r#"{"filename": "a.txt"}"#,
        r#"{"filename": 5, "filesize": 5}"#,
    ] {
        let error = refused(&wire(json, b"hello"), json);
        assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{json}: {error}");
    }
}

#[test]
fn a_name_with_a_path_is_refused() {
    for name in [
        "../../.bashrc",
        "/etc/passwd",
        "dir/a.txt",
        "..\\win.ini",
        "C:evil",
        "",
        ".",
        "..",
    ] {
        assert!(!is_plain_name(name), "{name:?} is not a plain file name");
        let json = serde_json::json!({ "filename": name, "filesize": 5 }).to_string();
        let error = refused(&wire(&json, b"hello"), name);
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidData,
            "{name:?}: {error}"
        );
    }
    for name in ["a.txt", "数据.bin", ".hidden", "a..b"] {
        assert!(is_plain_name(name), "{name:?} is a plain file name");
    }
}

/// The error `receive_file` must give for `wire`; fails with what it received
/// instead, the contents shown as bytes.
#[track_caller]
fn refused(wire: &[u8], what: &str) -> io::Error {
    match receive(wire) {
        Ok((header, contents)) => panic!(
            "{what}: expected an error, got {header:?} and {} bytes {}",
            contents.len(),
            show(&contents)
        ),
        Err(error) => error,
    }
}

/// Bytes as Python shows them: `b'hello!'`; past 60 bytes, the start and the length.
fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 60;
    let mut text = String::from("b'");
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'\'' => text.push_str("\\'"),
            b'\n' => text.push_str("\\n"),
            b'\r' => text.push_str("\\r"),
            b'\t' => text.push_str("\\t"),
            0x20..=0x7e => text.push(byte as char),
            _ => text.push_str(&format!("\\x{byte:02x}")),
        }
    }
    text.push('\'');
    if bytes.len() > SHOWN {
        text.push_str("...");
    }
    text
}

/// Fails with a message a beginner can act on: what was expected, what came
/// back, both with their byte counts, and where they first differ. A failure
/// points at the line that called it.
#[track_caller]
fn assert_bytes(what: &str, expected: &[u8], got: &[u8]) {
    if expected == got {
        return;
    }
    let first_difference = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    panic!(
        "{what}: expected {} bytes {}, got {} bytes {} (they differ from byte {first_difference} on)",
        expected.len(),
        show(expected),
        got.len(),
        show(got)
    );
}
