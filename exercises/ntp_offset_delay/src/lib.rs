//! Exercise: offset and delay from four NTP timestamps. Read README.md first.

/// `later − earlier` in seconds, for 64-bit NTP timestamps (32.32 fixed point).
pub fn diff(later: u64, earlier: u64) -> f64 {
    // TODO: this breaks when `earlier` is larger (the era wrap in 2036) and loses
    // precision: subtract first, with wrapping arithmetic.
    (later as f64 - earlier as f64) / 4_294_967_296.0
}

/// θ = ((T2 − T1) + (T3 − T4)) / 2, with `t = [T1, T2, T3, T4]`.
pub fn offset(t: [u64; 4]) -> f64 {
    // TODO
    let _ = t;
    0.0
}

/// δ = (T4 − T1) − (T3 − T2), with `t = [T1, T2, T3, T4]`.
pub fn delay(t: [u64; 4]) -> f64 {
    // TODO
    let _ = t;
    0.0
}
