//! The four timestamps of one exchange, and what they tell: offset and delay.
//!
//! ```text
//!        client clock                      server clock
//!   T1  ───── request (T1 inside) ─────▶  T2   receive
//!   T4  ◀──── reply (T1, T2, T3) ───────  T3   transmit
//! ```
//!
//! If the network takes the same time each way, the server's clock read halfway
//! through the exchange equals ours plus the offset θ:
//!
//! - offset θ = ((T2 − T1) + (T3 − T4)) / 2 — add θ to our clock to match the server;
//! - delay  δ = (T4 − T1) − (T3 − T2) — the round trip minus the server's own time.
//!
//! An asymmetric path shifts θ by up to δ/2, which is why NTP prefers the samples
//! with the smallest delay.

use serde::Serialize;

use crate::timestamp::Timestamp;

/// The four timestamps of one client/server exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// T1: the client sent the request (client clock).
    pub t1: Timestamp,
    /// T2: the server received it (server clock).
    pub t2: Timestamp,
    /// T3: the server sent the reply (server clock).
    pub t3: Timestamp,
    /// T4: the client received the reply (client clock).
    pub t4: Timestamp,
}

// ANCHOR: arithmetic
impl Exchange {
    /// θ = ((T2 − T1) + (T3 − T4)) / 2, in seconds. Positive: our clock is behind.
    pub fn offset(&self) -> f64 {
        // The differences are taken in 32.32 fixed point (era-proof, exact),
        // added as i128 so that two extreme values cannot overflow.
        let sum = i128::from(self.t2.diff_fixed(self.t1)) + i128::from(self.t3.diff_fixed(self.t4));
        sum as f64 / 2.0 / 4_294_967_296.0
    }

    /// δ = (T4 − T1) − (T3 − T2), in seconds: the time spent on the network.
    pub fn delay(&self) -> f64 {
        let diff =
            i128::from(self.t4.diff_fixed(self.t1)) - i128::from(self.t3.diff_fixed(self.t2));
        diff as f64 / 4_294_967_296.0
    }
}
// ANCHOR_END: arithmetic

/// One exchange's result, as `--json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// θ in seconds.
    pub offset: f64,
    /// δ in seconds.
    pub delay: f64,
    pub stratum: u8,
    /// Reference id, read the way the stratum says.
    pub reference_id: String,
    /// Leap indicator in words.
    pub leap: String,
    /// T1..T4 as UTC date-times with nanoseconds.
    pub t1: String,
    pub t2: String,
    pub t3: String,
    pub t4: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(s: f64) -> Timestamp {
        // 2026-ish NTP seconds plus a fraction, for readable tests.
        let whole = s.floor();
        Timestamp::new(
            3_973_000_000 + whole as u32,
            ((s - whole) * 4_294_967_296.0) as u32,
        )
    }

    #[test]
    fn symmetric_path_with_server_ahead_by_one_second() {
        // 10 ms each way, server 1 s ahead, 2 ms inside the server.
        let exchange = Exchange {
            t1: seconds(100.000),
            t2: seconds(101.010),
            t3: seconds(101.012),
            t4: seconds(100.022),
        };
        assert!((exchange.offset() - 1.0).abs() < 1e-6);
        assert!((exchange.delay() - 0.020).abs() < 1e-6);
    }

    #[test]
    fn client_ahead_gives_negative_offset() {
        let exchange = Exchange {
            t1: seconds(10.0),
            t2: seconds(8.25),
            t3: seconds(8.25),
            t4: seconds(10.5),
        };
        assert_eq!(exchange.offset(), -2.0);
        assert_eq!(exchange.delay(), 0.5);
    }

    #[test]
    fn same_clock_gives_offset_within_half_the_delay() {
        let exchange = Exchange {
            t1: seconds(1.0),
            t2: seconds(1.3),
            t3: seconds(1.4),
            t4: seconds(1.5),
        };
        assert!(exchange.offset().abs() <= exchange.delay() / 2.0 + 1e-9);
    }

    #[test]
    fn works_across_the_2036_era_wrap() {
        let exchange = Exchange {
            t1: Timestamp::new(u32::MAX, 0), // 1 s before the wrap
            t2: Timestamp::new(0, 0),        // the server is in era 1
            t3: Timestamp::new(0, 0),
            t4: Timestamp::new(u32::MAX, 0),
        };
        assert_eq!(exchange.offset(), 1.0);
        assert_eq!(exchange.delay(), 0.0);
    }
}
