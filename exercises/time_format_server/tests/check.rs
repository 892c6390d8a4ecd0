use std::net::UdpSocket;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, TimeZone};
use ex_time_format_server::{max_reply_len, reply, serve};

/// 2026-11-25 10:57:39 at UTC+8 (Beijing time).
fn tutorial_time() -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 25, 10, 57, 39)
        .unwrap()
}

fn text(request: &[u8]) -> String {
    let answer = reply(request, &tutorial_time());
    assert_keeps_the_rule(request, &answer);
    String::from_utf8(answer).expect("replies are UTF-8")
}

/// The amplification rule: reply + 28 ≤ 3 × (request + 28), both counted with the
/// 28 bytes of IPv4 and UDP headers.
fn assert_keeps_the_rule(request: &[u8], answer: &[u8]) {
    assert!(
        answer.len() + 28 <= 3 * (request.len() + 28),
        "a request of {} bytes got a reply of {} bytes; at most {} are allowed \
         ((request + 28) × 3 − 28): {:?}",
        request.len(),
        answer.len(),
        max_reply_len(request.len()),
        String::from_utf8_lossy(answer)
    );
}

#[test]
fn the_tutorials_format() {
    assert_eq!(text(b"%Y-%m-%d %H:%M:%S"), "2026-11-25 10:57:39");
}

#[test]
fn an_empty_datagram_means_the_teachers_default() {
    assert_eq!(text(b""), "2026-11-25 10:57:39");
}

#[test]
fn chinese_text_around_specifiers() {
    assert_eq!(text("%Y年%m月%d日".as_bytes()), "2026年11月25日");
}

#[test]
fn a_bad_specifier_is_an_error_naming_it() {
    let answer = text(b"%Y %Q");
    assert!(answer.starts_with("error:"), "{answer}");
    assert!(answer.contains("%Q"), "{answer}");
}

#[test]
fn a_lone_percent_is_an_error() {
    assert!(text(b"%H:%").starts_with("error:"));
}

#[test]
fn invalid_utf8_is_an_error() {
    assert!(text(b"%Y\xff\xfe").starts_with("error:"));
}

#[test]
fn no_amplification() {
    // `%c` × 21: 42 bytes that would become 504 bytes of dates, 12 times the
    // request; the rule allows 182.
    let answer = text("%c".repeat(21).as_bytes());
    assert!(answer.starts_with("error:"), "{answer}");
    // 200 bytes of "%c" would become 2400.
    assert!(text("%c".repeat(100).as_bytes()).starts_with("error:"));
}

#[test]
fn a_reply_within_the_rule_is_sent_in_full() {
    // `%c%c%c`: 6 bytes may get (6 + 28) × 3 − 28 = 74; three dates are 72.
    assert_eq!(text(b"%c%c%c").len(), 72);
    // A big request may get a reply as big as itself: 600 bytes → 300 bytes.
    assert_eq!(text("%%".repeat(300).as_bytes()).len(), 300);
}

#[test]
fn never_panics_on_any_two_bytes() {
    for a in 0..=255u8 {
        for b in [b'%', b'Q', b'Y', 0xff, b'-', b':'] {
            let request = [b'%', a, b];
            assert_keeps_the_rule(&request, &reply(&request, &tutorial_time()));
        }
    }
}

#[test]
fn every_error_fits_even_the_shortest_request() {
    for request in [&b""[..], b"%", b"\xff", b"%Q", b"%c%c%c%c"] {
        assert_keeps_the_rule(request, &reply(request, &tutorial_time()));
    }
}

#[test]
fn the_server_keeps_serving_after_bad_datagrams() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || serve(&server));
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buffer = [0u8; 2048];
    for request in [&b"%Q"[..], b"\xff", b"%", b"%Y-%m-%d"] {
        client.send_to(request, addr).unwrap();
        let (len, _) = client
            .recv_from(&mut buffer)
            .expect("the server answered (a panic would have killed it)");
        assert!(len > 0);
    }
}
