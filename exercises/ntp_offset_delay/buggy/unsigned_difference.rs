//! Buggy submission: the wrapping difference is read as unsigned.
//!
//! `later.wrapping_sub(earlier)` of an earlier `later` is a huge `u64`: half a
//! second back becomes 136 years forward. Read it as `i64` to get the sign back.
//!
//! Caught by: half_a_second, client_ahead_gives_a_negative_offset

/// 2³²: the fraction counts seconds in these units.
const FRACTION_PER_SECOND: f64 = 4_294_967_296.0;

/// `later − earlier` in seconds, for 64-bit NTP timestamps (32.32 fixed point).
/// Wrapping subtraction read as signed is right for any two times less than 68
/// years apart, across the 2036 era wrap too.
pub fn diff(later: u64, earlier: u64) -> f64 {
    later.wrapping_sub(earlier) as f64 / FRACTION_PER_SECOND
}

/// θ = ((T2 − T1) + (T3 − T4)) / 2, with `t = [T1, T2, T3, T4]`.
pub fn offset(t: [u64; 4]) -> f64 {
    let [t1, t2, t3, t4] = t;
    (diff(t2, t1) + diff(t3, t4)) / 2.0
}

/// δ = (T4 − T1) − (T3 − T2), with `t = [T1, T2, T3, T4]`.
pub fn delay(t: [u64; 4]) -> f64 {
    let [t1, t2, t3, t4] = t;
    diff(t4, t1) - diff(t3, t2)
}
