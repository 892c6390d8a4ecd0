use ex_ntp_offset_delay::{delay, diff, offset};

/// An NTP timestamp from whole seconds since 1900 and milliseconds.
fn ts(seconds: u32, millis: u32) -> u64 {
    let fraction = (u64::from(millis) << 32) / 1000;
    (u64::from(seconds) << 32) | fraction
}

/// 2026-11-25 10:57:39 UTC in NTP seconds.
const NOW: u32 = 4_004_593_059;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn half_a_second() {
    assert_eq!(diff(ts(NOW, 500), ts(NOW, 0)), 0.5);
    assert_eq!(diff(ts(NOW, 0), ts(NOW, 500)), -0.5);
}

#[test]
fn server_one_second_ahead_ten_ms_each_way() {
    let t = [
        ts(NOW, 100),
        ts(NOW + 1, 110),
        ts(NOW + 1, 112),
        ts(NOW, 122),
    ];
    assert!(close(offset(t), 1.0), "offset {}", offset(t));
    assert!(close(delay(t), 0.020), "delay {}", delay(t));
}

#[test]
fn client_ahead_gives_a_negative_offset() {
    let t = [
        ts(NOW + 10, 0),
        ts(NOW + 8, 250),
        ts(NOW + 8, 250),
        ts(NOW + 10, 500),
    ];
    assert!(close(offset(t), -2.0), "offset {}", offset(t));
    assert!(close(delay(t), 0.5), "delay {}", delay(t));
}

#[test]
fn nanoseconds_are_not_lost() {
    // One unit of the fraction is about 233 picoseconds.
    assert_eq!(diff(ts(NOW, 0) + 1, ts(NOW, 0)), 1.0 / 4_294_967_296.0);
}

#[test]
fn across_the_2036_era_wrap() {
    // The client is still in era 0 (one second before the wrap), the server
    // already in era 1: its seconds field restarted at 0.
    let t = [ts(u32::MAX, 0), ts(0, 5), ts(0, 5), ts(u32::MAX, 10)];
    assert!(close(offset(t), 1.0), "offset {}", offset(t));
    assert!(close(delay(t), 0.010), "delay {}", delay(t));
}
