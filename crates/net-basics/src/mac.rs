//! MAC addresses: 48 bits burned into the network card, its vendor, and two bits
//! with a meaning.
//!
//! 三.网络基础: every network card has a MAC address (物理地址/MAC地址) of 48 bits,
//! written as 12 hex digits. The first 6 digits are the vendor's (OUI, 厂商编号),
//! assigned by the IEEE; the last 6 are the card's serial number (流水号). Two bits
//! of the first byte have a meaning of their own:
//!
//! - bit 0, I/G (individual/group): 1 means multicast, a frame for a group; all
//!   ones (`ff:ff:ff:ff:ff:ff`) is the broadcast address every card accepts.
//! - bit 1, U/L (universal/local): 1 means "locally administered", set by software
//!   (virtual machines, containers, phones that randomise their MAC), not by the
//!   vendor; such an address has no vendor.
//!
//! The address itself is pnet_base's `MacAddr`; this module adds the spellings
//! people write and the vendor lookup.
//!
//! ```text
//! $ net-basics mac 00:1a:2b:3c:4d:5e
//! ```

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use pnet_base::MacAddr;
use serde::Serialize;

/// Where Debian's `ieee-data` package (and others) put the IEEE OUI registry.
pub const OUI_REGISTRIES: &[&str] = &[
    "/usr/share/ieee-data/oui.txt",
    "/usr/share/misc/oui.txt",
    "/usr/share/hwdata/oui.txt",
];

/// Set this environment variable to a file in the IEEE `oui.txt` format to use it
/// instead (tests use it to be independent of the machine).
pub const OUI_FILE_ENV: &str = "NETLAB_OUI_FILE";

/// The spellings accepted, for error messages.
const EXPECTED: &str = "expected 12 hex digits such as aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff";

/// Text that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacParseError {
    input: String,
    reason: String,
}

impl fmt::Display for MacParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a MAC address: {} ({EXPECTED})",
            self.input, self.reason
        )
    }
}

impl std::error::Error for MacParseError {}

// ANCHOR: parse
/// Parses the four common spellings of a MAC address.
///
/// ```
/// use net_basics::mac::parse_mac;
/// let mac = parse_mac("AA-BB-CC-DD-EE-FF").unwrap();
/// assert_eq!(mac.to_string(), "aa:bb:cc:dd:ee:ff");
/// assert_eq!(parse_mac("aabb.ccdd.eeff"), Ok(mac));
/// assert!(parse_mac("aa:bb:cc:dd:ee").is_err()); // five bytes
/// ```
pub fn parse_mac(text: &str) -> Result<MacAddr, MacParseError> {
    let error = |reason: String| MacParseError {
        input: text.to_string(),
        reason,
    };
    let trimmed = text.trim();
    // Turn every spelling into six two-digit groups, then let MacAddr parse them.
    let groups: Vec<String> = if trimmed.contains(':') || trimmed.contains('-') {
        // Linux and macOS write colons, Windows dashes; macOS drops leading zeros
        // (0:1a:2b:...), so one or two digits per group are accepted.
        let parts: Vec<&str> = trimmed.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(error(format!("{} groups, expected 6", parts.len())));
        }
        if let Some(bad) = parts.iter().find(|p| p.is_empty() || p.len() > 2) {
            return Err(error(format!("'{bad}' is not a byte in hex")));
        }
        parts.iter().map(|p| format!("{p:0>2}")).collect()
    } else if trimmed.contains('.') {
        // Cisco writes three groups of four digits.
        let parts: Vec<&str> = trimmed.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
            return Err(error(
                "expected three dot-separated groups of 4 hex digits".into(),
            ));
        }
        parts.iter().flat_map(|p| pairs(p)).collect()
    } else {
        if trimmed.len() != 12 {
            return Err(error(format!(
                "{} characters, expected 12",
                trimmed.chars().count()
            )));
        }
        pairs(trimmed)
    };
    if let Some(bad) = groups
        .iter()
        .find(|g| g.len() != 2 || !g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(error(format!("'{bad}' is not a byte in hex")));
    }
    groups
        .join(":")
        .parse::<MacAddr>()
        .map_err(|e| error(e.to_string()))
}
// ANCHOR_END: parse

/// Two-character chunks of an ASCII string (non-ASCII input gives odd chunks that
/// the hex check above refuses).
fn pairs(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(2).map(|c| c.iter().collect()).collect()
}

/// The four spellings of `mac`: colon, dash, Cisco dot, bare.
pub fn spellings(mac: MacAddr) -> [String; 4] {
    let o = mac.octets();
    let hex: Vec<String> = o.iter().map(|b| format!("{b:02x}")).collect();
    [
        hex.join(":"),
        hex.join("-").to_uppercase(),
        format!(
            "{}{}.{}{}.{}{}",
            hex[0], hex[1], hex[2], hex[3], hex[4], hex[5]
        ),
        hex.concat(),
    ]
}

// ANCHOR: bits
/// I/G bit: the lowest bit of the first byte. 1 = group (multicast) address.
pub const IG_BIT: u8 = 0b0000_0001;
/// U/L bit: the second-lowest bit of the first byte. 1 = locally administered.
pub const UL_BIT: u8 = 0b0000_0010;

/// Whether the frame is for a group of cards rather than one.
pub fn is_multicast(mac: MacAddr) -> bool {
    mac.octets()[0] & IG_BIT != 0
}

/// Whether software chose this address rather than the vendor.
pub fn is_local(mac: MacAddr) -> bool {
    mac.octets()[0] & UL_BIT != 0
}
// ANCHOR_END: bits

/// The result of looking the vendor up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vendor {
    /// The registry names this vendor.
    Found(String),
    /// The registry was read and does not list this OUI.
    NotListed(PathBuf),
    /// The U/L bit is set: software chose the address, no vendor applies.
    LocallyAdministered,
    /// No OUI registry on this machine.
    NoRegistry,
}

impl Vendor {
    pub fn name(&self) -> Option<&str> {
        match self {
            Vendor::Found(name) => Some(name),
            _ => None,
        }
    }

    /// The line printed instead of a name.
    pub fn note(&self) -> String {
        match self {
            Vendor::Found(name) => name.clone(),
            Vendor::NotListed(path) => format!("not listed in {}", path.display()),
            Vendor::LocallyAdministered => {
                "none: locally administered (chosen by software, not a vendor)".to_string()
            }
            Vendor::NoRegistry => format!(
                "unknown: no OUI registry on this machine (install Debian's ieee-data for {})",
                OUI_REGISTRIES[0]
            ),
        }
    }
}

/// The registry file to use: `$NETLAB_OUI_FILE`, else the first that exists.
pub fn registry_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(OUI_FILE_ENV) {
        return Some(PathBuf::from(path));
    }
    OUI_REGISTRIES
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

/// Looks the OUI of `mac` up in the registry at `registry` (IEEE `oui.txt` format:
/// `00-1A-2B   (hex)\t\tVendor name`).
pub fn vendor_in(mac: MacAddr, registry: &Path) -> Vendor {
    if is_local(mac) {
        return Vendor::LocallyAdministered;
    }
    let Ok(file) = File::open(registry) else {
        return Vendor::NoRegistry;
    };
    let o = mac.octets();
    // A multicast address uses its owner's OUI with the I/G bit set
    // (01:00:5e:... is IANA's 00-00-5E): clear it before the lookup.
    let key = format!("{:02X}-{:02X}-{:02X}", o[0] & !IG_BIT, o[1], o[2]);
    // Lines are read as bytes: some copies of the registry hold vendor names in
    // Latin-1, and one line that is not UTF-8 must not end the search early.
    for line in BufReader::new(file).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line);
        if let Some(rest) = line.strip_prefix(&key)
            && let Some(name) = rest.trim_start().strip_prefix("(hex)")
        {
            return Vendor::Found(name.trim().to_string());
        }
    }
    Vendor::NotListed(registry.to_path_buf())
}

/// Looks the vendor of `mac` up in this machine's registry.
pub fn vendor(mac: MacAddr) -> Vendor {
    match registry_path() {
        Some(path) => vendor_in(mac, &path),
        None if is_local(mac) => Vendor::LocallyAdministered,
        None => Vendor::NoRegistry,
    }
}

/// What `net-basics mac` prints. Field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MacInfo {
    /// Lower case with colons.
    pub canonical: String,
    /// The 48 bits, eight per byte, bytes separated by colons.
    pub bits: String,
    /// The vendor part, e.g. `00:1a:2b`.
    pub oui: String,
    /// The device (serial number) part.
    pub device: String,
    /// I/G bit set.
    pub multicast: bool,
    /// U/L bit set.
    pub local: bool,
    pub broadcast: bool,
    /// The vendor's name, or null (see `vendor_note`).
    pub vendor: Option<String>,
    /// Why there is no name, or the name.
    pub vendor_note: String,
}

/// Describes `mac`, with the vendor found as `vendor` says.
pub fn describe(mac: MacAddr, vendor: &Vendor) -> MacInfo {
    let o = mac.octets();
    let hex = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    MacInfo {
        canonical: mac.to_string(),
        bits: o
            .iter()
            .map(|b| format!("{b:08b}"))
            .collect::<Vec<_>>()
            .join(":"),
        oui: hex(&o[..3]),
        device: hex(&o[3..]),
        multicast: is_multicast(mac),
        local: is_local(mac),
        broadcast: mac.is_broadcast(),
        vendor: vendor.name().map(str::to_string),
        vendor_note: vendor.note(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn all_four_spellings_give_the_same_address() {
        let expected = MacAddr::new(0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e);
        for text in [
            "00:1a:2b:3c:4d:5e",
            "00-1A-2B-3C-4D-5E",
            "001a.2b3c.4d5e",
            "001A2B3C4D5E",
            "0:1a:2b:3c:4d:5e",
        ] {
            assert_eq!(parse_mac(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn malformed_macs_are_refused_with_the_value() {
        for bad in [
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:ff:00",
            "gg:bb:cc:dd:ee:ff",
            "aabb.ccdd.eef",
            "aabbccddeef",
            "",
            "aa::cc:dd:ee:ff",
            "ääbbccddeeff",
            "aaa:bb:cc:dd:ee:ff",
        ] {
            let error = parse_mac(bad).unwrap_err().to_string();
            assert!(error.starts_with(&format!("'{bad}'")), "{error}");
        }
    }

    #[test]
    fn vendor_and_device_halves() {
        let info = describe(parse_mac("00:1a:2b:3c:4d:5e").unwrap(), &Vendor::NoRegistry);
        assert_eq!(info.oui, "00:1a:2b");
        assert_eq!(info.device, "3c:4d:5e");
        assert!(!info.multicast && !info.local && !info.broadcast);
        assert_eq!(info.vendor, None);
        assert_eq!(
            info.bits,
            "00000000:00011010:00101011:00111100:01001101:01011110"
        );
    }

    #[test]
    fn broadcast_is_multicast_and_local_bits_set() {
        let info = describe(MacAddr::broadcast(), &Vendor::LocallyAdministered);
        assert!(info.broadcast && info.multicast && info.local);
    }

    #[test]
    fn ipv4_multicast_mac_and_a_docker_mac() {
        let m = parse_mac("01:00:5e:00:00:fb").unwrap();
        assert!(is_multicast(m) && !is_local(m));
        let docker = parse_mac("02:42:ac:11:00:02").unwrap();
        assert!(is_local(docker) && !is_multicast(docker));
    }

    fn registry() -> PathBuf {
        let path = std::env::temp_dir().join(format!("netlab-oui-{}.txt", std::process::id()));
        std::fs::write(
            &path,
            "OUI/MA-L\t\tOrganization\n\n00-1A-2B   (hex)\t\tAyecom Technology Co., Ltd.\n\
             001A2B     (base 16)\t\tAyecom Technology Co., Ltd.\n\n\
             00-00-5E   (hex)\t\tICANN, IANA Department\n",
        )
        .unwrap();
        path
    }

    #[test]
    fn vendor_lookup_in_an_ieee_registry() {
        let path = registry();
        let mac = parse_mac("00:1a:2b:3c:4d:5e").unwrap();
        assert_eq!(
            vendor_in(mac, &path),
            Vendor::Found("Ayecom Technology Co., Ltd.".into())
        );
        let multicast = parse_mac("01:00:5e:00:00:fb").unwrap();
        assert_eq!(
            vendor_in(multicast, &path).name(),
            Some("ICANN, IANA Department")
        );
        let unknown = parse_mac("00:00:01:00:00:00").unwrap();
        assert!(matches!(vendor_in(unknown, &path), Vendor::NotListed(_)));
        let local = parse_mac("02:42:ac:11:00:02").unwrap();
        assert_eq!(vendor_in(local, &path), Vendor::LocallyAdministered);
        let missing = Path::new("/nonexistent/oui.txt");
        assert_eq!(vendor_in(mac, missing), Vendor::NoRegistry);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_line_that_is_not_utf8_does_not_end_the_search() {
        let path =
            std::env::temp_dir().join(format!("netlab-oui-latin1-{}.txt", std::process::id()));
        // "Société" in Latin-1 (0xe9), then the entry we look for.
        let mut registry = b"00-00-01   (hex)\t\tSoci\xe9t\xe9 X\r\n".to_vec();
        registry.extend_from_slice(b"00-1A-2B   (hex)\t\tAyecom Technology Co., Ltd.\r\n");
        std::fs::write(&path, registry).unwrap();
        let mac = parse_mac("00:1a:2b:3c:4d:5e").unwrap();
        assert_eq!(
            vendor_in(mac, &path),
            Vendor::Found("Ayecom Technology Co., Ltd.".into())
        );
        let _ = std::fs::remove_file(path);
    }

    proptest! {
        #[test]
        fn every_spelling_round_trips(bytes in any::<[u8; 6]>()) {
            let mac = MacAddr::new(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
            for text in spellings(mac) {
                prop_assert_eq!(parse_mac(&text), Ok(mac));
            }
            let info = describe(mac, &Vendor::NoRegistry);
            prop_assert_eq!(parse_mac(&info.canonical), Ok(mac));
            prop_assert_eq!(info.multicast, bytes[0] & 1 == 1);
            prop_assert_eq!(info.local, bytes[0] & 2 == 2);
        }
    }
}
