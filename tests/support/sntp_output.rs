//! Shared by tests/ch04_time_sync.rs and tests/ch04_time_sync_chrony.rs: what
//! `time-sync sntp` prints, masked the way the book shows it (times vary).

/// Every digit as `#`: the reader's clock shows other times than the test's.
pub fn digits_as_hashes(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

/// What `time-sync sntp` prints, as the book shows it: the digits of the four
/// times, of the offset and of the delay as `#`, the offset's sign as `±`. The
/// labels, the formulas and the stratum line stay exactly as printed.
pub fn mask_sntp_output(text: &str) -> String {
    let mut shown = String::new();
    for line in text.lines() {
        let value_starts = if line.starts_with('T') {
            line.find(") ")
        } else if line.starts_with("offset") || line.starts_with("delay") {
            line.rfind("= ")
        } else {
            None
        };
        match value_starts {
            Some(at) => {
                let (label, value) = line.split_at(at);
                let mut value = digits_as_hashes(value);
                if line.starts_with("offset") {
                    value = value.replacen(['+', '-'], "±", 1);
                }
                shown.push_str(label);
                shown.push_str(&value);
            }
            None => shown.push_str(line),
        }
        shown.push('\n');
    }
    shown
}
