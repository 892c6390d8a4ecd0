//! Buggy submission: each timestamp is turned into an `f64` before subtracting.
//!
//! An `f64` has 53 bits of precision; an NTP timestamp has 64: the nanoseconds are
//! lost. And at the 2036 era wrap the server's 0 seconds minus the client's
//! 4294967295 is not a second but minus 136 years.
//!
//! Caught by: nanoseconds_are_not_lost, across_the_2036_era_wrap

/// 2³²: the fraction counts seconds in these units.
const FRACTION_PER_SECOND: f64 = 4_294_967_296.0;

/// `later − earlier` in seconds, for 64-bit NTP timestamps (32.32 fixed point).
/// Wrapping subtraction read as signed is right for any two times less than 68
/// years apart, across the 2036 era wrap too.
pub fn diff(later: u64, earlier: u64) -> f64 {
    (later as f64 - earlier as f64) / FRACTION_PER_SECOND
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
