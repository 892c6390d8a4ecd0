//! What the proxy does to the bytes, and the dice it throws to decide.
//!
//! Every random choice (the size of the next piece with `--split A..B`, the
//! extra delay of the next piece with `--jitter`) comes from a seeded
//! generator, so that a run can be replayed: the same seed, the same bytes, the
//! same pieces and delays. Each direction of each conversation has dice of its
//! own (ChaCha's *stream* number `2 × conversation + direction`), so its
//! choices depend only on the seed and on its own bytes, never on how the two
//! directions' events happen to interleave.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The largest piece `--split` can ask for. TCP moves at most 64 KiB in one
/// segment on loopback; larger pieces would not be pieces.
pub const MAX_PIECE: usize = 64 * 1024;

/// How `--split` cuts the bytes: pieces of a fixed size, or of sizes drawn
/// between two bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// `--split 7`: pieces of 7 bytes (the last one may be shorter).
    Fixed(usize),
    /// `--split 3..9`: each piece 3 to 9 bytes, drawn with the dice.
    Between(RangeInclusive<usize>),
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Split::Fixed(n) => write!(f, "{n}"),
            Split::Between(range) => write!(f, "{}..{}", range.start(), range.end()),
        }
    }
}

/// Parses `--split`: `N` or `A..B`, with 1 ≤ A ≤ B ≤ [`MAX_PIECE`].
///
/// ```
/// use framing::proxy::chaos::{Split, parse_split};
/// assert_eq!(parse_split("7"), Ok(Split::Fixed(7)));
/// assert_eq!(parse_split("3..9"), Ok(Split::Between(3..=9)));
/// assert!(parse_split("0").is_err());
/// assert!(parse_split("9..3").is_err());
/// ```
pub fn parse_split(text: &str) -> Result<Split, String> {
    let size = |part: &str| -> Result<usize, String> {
        part.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PIECE).contains(n))
            .ok_or_else(|| {
                format!(
                    "'{text}' is not a piece size: expected N or A..B, each from 1 to {MAX_PIECE} bytes"
                )
            })
    };
    match text.split_once("..") {
        None => Ok(Split::Fixed(size(text)?)),
        Some((low, high)) => {
            let (low, high) = (size(low)?, size(high)?);
            if low > high {
                return Err(format!(
                    "'{text}': the smallest piece comes first (e.g. 3..9, each from 1 to {MAX_PIECE} bytes)"
                ));
            }
            Ok(Split::Between(low..=high))
        }
    }
}

/// Everything the proxy may do to the bytes on their way: the same for both
/// directions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chaos {
    /// Deliver in pieces, each its own write (拆包).
    pub split: Option<Split>,
    /// Hold bytes this long after the first of them arrived, then deliver all
    /// that arrived meanwhile in one write (黏包).
    pub merge: Option<Duration>,
    /// Deliver every piece this much later than its bytes arrived.
    pub delay: Duration,
    /// Up to this much more delay, drawn for each piece.
    pub jitter: Duration,
}

impl Chaos {
    /// The options that produce this behaviour, as a student types them
    /// (`--split 7 --delay 20`), or `no changes` for a plain proxy.
    pub fn options(&self) -> String {
        let mut options = Vec::new();
        if let Some(split) = &self.split {
            options.push(format!("--split {split}"));
        }
        if let Some(merge) = self.merge {
            options.push(format!("--merge {}", merge.as_millis()));
        }
        if !self.delay.is_zero() {
            options.push(format!("--delay {}", self.delay.as_millis()));
        }
        if !self.jitter.is_zero() {
            options.push(format!("--jitter {}", self.jitter.as_millis()));
        }
        options.join(" ")
    }
}

/// The dice of one direction of one conversation.
#[derive(Debug)]
pub struct Dice(ChaCha8Rng);

impl Dice {
    /// The dice for `direction` (0: client → server, 1: server → client) of
    /// conversation number `conversation`, from `seed`.
    pub fn new(seed: u64, conversation: u64, direction: u64) -> Dice {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2 * conversation + direction);
        Dice(rng)
    }

    /// The size of the next piece, at most `left` (the bytes still to deliver).
    pub fn piece_len(&mut self, split: &Split, left: usize) -> usize {
        let len = match split {
            Split::Fixed(n) => *n,
            Split::Between(range) => self.0.random_range(range.clone()),
        };
        len.min(left)
    }

    /// The extra delay of the next piece: from zero to `jitter`, to the
    /// millisecond.
    pub fn jitter(&mut self, jitter: Duration) -> Duration {
        if jitter.is_zero() {
            return Duration::ZERO;
        }
        let millis = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.0.random_range(0..=millis))
    }
}

/// Cuts `bytes` into the pieces `split` asks for (one piece without a split).
pub fn cut<'b>(bytes: &'b [u8], split: Option<&Split>, dice: &mut Dice) -> Vec<&'b [u8]> {
    let Some(split) = split else {
        return vec![bytes];
    };
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (piece, after) = rest.split_at(dice.piece_len(split, rest.len()));
        pieces.push(piece);
        rest = after;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(split: &Split, seed: u64, conversation: u64, direction: u64) -> Vec<usize> {
        let mut dice = Dice::new(seed, conversation, direction);
        cut(&[0u8; 200], Some(split), &mut dice)
            .iter()
            .map(|piece| piece.len())
            .collect()
    }

    #[test]
    fn a_fixed_split_cuts_every_n_bytes() {
        let mut dice = Dice::new(1, 1, 0);
        let pieces = cut(b"echo hello world", Some(&Split::Fixed(7)), &mut dice);
        assert_eq!(pieces, [&b"echo he"[..], b"llo wor", b"ld"]);
    }

    #[test]
    fn the_same_seed_gives_the_same_pieces() {
        let split = Split::Between(1..=9);
        assert_eq!(sizes(&split, 42, 1, 0), sizes(&split, 42, 1, 0));
        assert_ne!(sizes(&split, 42, 1, 0), sizes(&split, 43, 1, 0));
        assert!(sizes(&split, 42, 1, 0).iter().all(|n| (1..=9).contains(n)));
        assert_eq!(sizes(&split, 42, 1, 0).iter().sum::<usize>(), 200);
    }

    #[test]
    fn each_direction_and_conversation_has_its_own_dice() {
        let split = Split::Between(1..=9);
        assert_ne!(sizes(&split, 42, 1, 0), sizes(&split, 42, 1, 1));
        assert_ne!(sizes(&split, 42, 1, 0), sizes(&split, 42, 2, 0));
    }

    #[test]
    fn jitter_stays_within_its_bound() {
        let mut dice = Dice::new(7, 1, 0);
        let bound = Duration::from_millis(30);
        assert!((0..100).all(|_| dice.jitter(bound) <= bound));
        assert_eq!(dice.jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn split_sizes_outside_the_range_are_refused_with_the_range() {
        for bad in ["0", "65537", "x", "5..", "9..3", "18446744073709551616"] {
            let error = parse_split(bad).unwrap_err();
            assert!(
                error.contains(bad) && error.contains("1 to 65536"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_options_replay_the_behaviour() {
        let chaos = Chaos {
            split: Some(Split::Between(3..=9)),
            merge: Some(Duration::from_millis(50)),
            delay: Duration::from_millis(20),
            jitter: Duration::ZERO,
        };
        assert_eq!(chaos.options(), "--split 3..9 --merge 50 --delay 20");
    }
}
