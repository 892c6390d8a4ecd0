//! NTP timestamps: 64 bits, seconds since 1900 and a 32-bit binary fraction.
//!
//! An NTP timestamp is two big-endian `u32`s: whole seconds since 1900-01-01 00:00
//! UTC, and a fraction of a second in units of 2⁻³² s (about 233 picoseconds). The
//! seconds field wraps every 2³² s ≈ 136 years: era 0 ended on 2036-02-07 06:28:16
//! UTC and era 1 began. A timestamp alone does not say its era, so converting one
//! to a calendar time needs a hint: we pick the era that puts it closest to a
//! reference time (our own clock), as RFC 5905 suggests.
//!
//! Differences between timestamps need no era at all: subtracting the 64-bit values
//! with wrapping arithmetic and reading the result as signed gives the right answer
//! for any two times less than 68 years apart. That is how [`Timestamp::diff`]
//! works, and why the offset and delay arithmetic is era-proof.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01):
/// 70 years, 17 of them leap years.
pub const UNIX_EPOCH_IN_NTP_SECONDS: u64 = 2_208_988_800;

/// One NTP era: 2³² seconds.
const ERA_SECONDS: i64 = 1 << 32;

/// 2³²: the fraction field counts seconds in these units.
const FRACTION_PER_SECOND: u64 = 1 << 32;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// A 64-bit NTP timestamp, exactly as on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timestamp {
    seconds: u32,
    fraction: u32,
}

impl Timestamp {
    /// The all-zero timestamp, which NTP uses for "unknown" (e.g. a client's
    /// request carries zero reference, origin and receive timestamps).
    pub const ZERO: Timestamp = Timestamp {
        seconds: 0,
        fraction: 0,
    };

    /// Builds a timestamp from its two wire fields.
    pub const fn new(seconds: u32, fraction: u32) -> Timestamp {
        Timestamp { seconds, fraction }
    }

    /// The timestamp from its 64-bit wire value (seconds in the high half).
    pub const fn from_bits(bits: u64) -> Timestamp {
        Timestamp {
            seconds: (bits >> 32) as u32,
            fraction: bits as u32,
        }
    }

    /// The 64-bit wire value.
    pub const fn to_bits(self) -> u64 {
        ((self.seconds as u64) << 32) | self.fraction as u64
    }

    pub const fn seconds(self) -> u32 {
        self.seconds
    }

    pub const fn fraction(self) -> u32 {
        self.fraction
    }

    pub fn is_zero(self) -> bool {
        self == Timestamp::ZERO
    }

    /// The current time of this machine's clock.
    pub fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// Converts a `SystemTime` (any era: the seconds simply wrap).
    pub fn from_system_time(time: SystemTime) -> Timestamp {
        let (unix_seconds, nanos) = match time.duration_since(UNIX_EPOCH) {
            Ok(since) => (since.as_secs() as i64, since.subsec_nanos()),
            Err(before) => {
                // Before 1970: count back, keeping the fraction positive.
                let before = before.duration();
                let mut seconds = -(before.as_secs() as i64);
                let mut nanos = before.subsec_nanos();
                if nanos > 0 {
                    seconds -= 1;
                    nanos = NANOS_PER_SECOND as u32 - nanos;
                }
                (seconds, nanos)
            }
        };
        Timestamp::from_unix(unix_seconds, nanos)
    }

    // ANCHOR: from_unix
    /// From seconds and nanoseconds since the Unix epoch (`nanos` < 10⁹).
    pub fn from_unix(unix_seconds: i64, nanos: u32) -> Timestamp {
        let ntp_seconds = unix_seconds.wrapping_add(UNIX_EPOCH_IN_NTP_SECONDS as i64);
        // Taking the low 32 bits is the era wrap: 2036 becomes 0 again.
        let seconds = ntp_seconds.rem_euclid(ERA_SECONDS) as u32;
        // nanos × 2³² / 10⁹, rounded to nearest: fits easily in u64.
        let fraction =
            (u64::from(nanos) * FRACTION_PER_SECOND + NANOS_PER_SECOND / 2) / NANOS_PER_SECOND;
        // Rounding 999_999_999.9 ns up would overflow the fraction: clamp.
        let fraction = fraction.min(u64::from(u32::MAX)) as u32;
        Timestamp { seconds, fraction }
    }
    // ANCHOR_END: from_unix

    /// The fraction as nanoseconds (rounded to nearest).
    pub fn subsec_nanos(self) -> u32 {
        let nanos = (u64::from(self.fraction) * NANOS_PER_SECOND + FRACTION_PER_SECOND / 2) >> 32;
        nanos.min(NANOS_PER_SECOND - 1) as u32
    }

    /// Seconds since the Unix epoch, choosing the era that puts the timestamp
    /// closest to `near` (normally our own clock). Returns (seconds, nanoseconds).
    pub fn to_unix_near(self, near: SystemTime) -> (i64, u32) {
        let near_ntp = match near.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64 + UNIX_EPOCH_IN_NTP_SECONDS as i64,
            Err(e) => UNIX_EPOCH_IN_NTP_SECONDS as i64 - e.duration().as_secs() as i64,
        };
        let near_era = near_ntp.div_euclid(ERA_SECONDS);
        // Try the hint's era and its neighbours; keep the closest (the earliest
        // of equals).
        let [earlier, same, later] = [near_era - 1, near_era, near_era + 1]
            .map(|era| era * ERA_SECONDS + i64::from(self.seconds));
        let distance = |candidate: i64| (candidate - near_ntp).abs();
        let mut best = earlier;
        for candidate in [same, later] {
            if distance(candidate) < distance(best) {
                best = candidate;
            }
        }
        (best - UNIX_EPOCH_IN_NTP_SECONDS as i64, self.subsec_nanos())
    }

    /// A `SystemTime` for this timestamp, era chosen near `near`.
    pub fn to_system_time_near(self, near: SystemTime) -> SystemTime {
        let (seconds, nanos) = self.to_unix_near(near);
        if seconds >= 0 {
            UNIX_EPOCH + Duration::new(seconds as u64, nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
                + Duration::from_nanos(nanos.into())
        }
    }

    /// `self − earlier` in seconds, era-proof: the 64-bit values are subtracted
    /// with wrapping and read as a signed fixed-point number (32.32).
    pub fn diff(self, earlier: Timestamp) -> f64 {
        self.diff_fixed(earlier) as f64 / FRACTION_PER_SECOND as f64
    }

    /// `self − earlier` in units of 2⁻³² s (signed).
    pub fn diff_fixed(self, earlier: Timestamp) -> i64 {
        self.to_bits().wrapping_sub(earlier.to_bits()) as i64
    }

    /// The UTC calendar time, era chosen near this machine's clock, like
    /// `2026-11-25 10:57:39.123456789 UTC`.
    pub fn to_utc_string(self) -> String {
        let (seconds, nanos) = self.to_unix_near(SystemTime::now());
        match chrono::DateTime::from_timestamp(seconds, nanos) {
            Some(time) => time.format("%Y-%m-%d %H:%M:%S%.9f UTC").to_string(),
            None => format!("{seconds}.{nanos:09} s since 1970"),
        }
    }
}

impl fmt::Display for Timestamp {
    /// Shows the two wire fields, e.g. `0xed0c2a1b.1f9add37`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010x}.{:08x}", self.seconds, self.fraction)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_2208988800_ntp_seconds() {
        assert_eq!(
            Timestamp::from_system_time(UNIX_EPOCH),
            Timestamp::new(2_208_988_800, 0)
        );
    }

    #[test]
    fn half_a_second_is_half_the_fraction_range() {
        let t = Timestamp::from_unix(0, 500_000_000);
        assert_eq!(t.fraction(), 0x8000_0000);
        assert_eq!(t.subsec_nanos(), 500_000_000);
    }

    #[test]
    fn nanoseconds_survive_the_round_trip() {
        for nanos in [0, 1, 123_456_789, 999_999_999] {
            assert_eq!(
                Timestamp::from_unix(1_800_000_000, nanos).subsec_nanos(),
                nanos
            );
        }
    }

    #[test]
    fn era_1_starts_in_2036() {
        // 2036-02-07 06:28:16 UTC is NTP second 2³², the start of era 1.
        let era_start_unix = ERA_SECONDS - UNIX_EPOCH_IN_NTP_SECONDS as i64;
        assert_eq!(era_start_unix, 2_085_978_496);
        assert_eq!(
            Timestamp::from_unix(era_start_unix, 0),
            Timestamp::new(0, 0)
        );
        assert_eq!(
            Timestamp::from_unix(era_start_unix + 1, 0),
            Timestamp::new(1, 0)
        );
    }

    #[test]
    fn era_is_chosen_near_the_hint() {
        let after_wrap = Timestamp::new(10, 0);
        let near = UNIX_EPOCH + Duration::from_secs(2_085_978_000); // just before the wrap
        assert_eq!(after_wrap.to_unix_near(near).0, 2_085_978_506);
        let now_ish = Timestamp::from_unix(1_795_000_000, 0);
        assert_eq!(now_ish.to_unix_near(SystemTime::now()).0, 1_795_000_000);
    }

    #[test]
    fn differences_work_across_the_era_wrap() {
        let before = Timestamp::new(u32::MAX, 0x8000_0000); // 0.5 s before the wrap
        let after = Timestamp::new(0, 0x8000_0000); // 0.5 s after
        assert_eq!(after.diff(before), 1.0);
        assert_eq!(before.diff(after), -1.0);
    }

    #[test]
    fn display_shows_the_wire_fields() {
        assert_eq!(
            Timestamp::new(0xed0c_2a1b, 0x1f).to_string(),
            "0xed0c2a1b.0000001f"
        );
    }

    #[test]
    fn before_1970_keeps_a_positive_fraction() {
        let t = Timestamp::from_system_time(UNIX_EPOCH - Duration::from_millis(250));
        assert_eq!(t.seconds(), 2_208_988_799);
        assert_eq!(t.subsec_nanos(), 750_000_000);
    }
}
