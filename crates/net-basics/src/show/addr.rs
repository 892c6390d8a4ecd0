//! Printing `ip`, `subnet`, `same-subnet`, `split` and `aggregate`.

use std::fmt::Write;
use std::net::IpAddr;

use ipnet::IpNet;
use netlab_common::color::Style;

use super::{ShowError, to_json};
use crate::ip;
use crate::split as splitting;
use crate::subnet::{self, explain_and, split_bits};

/// `net-basics ip`: the address in dotted decimal (or IPv6), bits, number, hex,
/// scope and class.
pub fn ip(addr: IpAddr, json: bool) -> Result<String, ShowError> {
    let info = ip::describe(addr);
    if json {
        return to_json(&info);
    }
    let mut out = String::new();
    let _ = writeln!(out, "address      {}", info.address);
    if let Some(expanded) = &info.expanded {
        let _ = writeln!(out, "expanded     {expanded}");
    }
    let width = if info.version == 4 { 32 } else { 128 };
    let _ = writeln!(out, "binary       {}  ({width} bits)", info.binary);
    let _ = writeln!(out, "integer      {}", info.integer);
    let _ = writeln!(out, "hex          {}", info.hex);
    let _ = writeln!(
        out,
        "scope        {} ({})",
        info.scope,
        ip::scope(addr).explanation()
    );
    match &info.class {
        Some(class) => {
            let _ = writeln!(
                out,
                "class        {class} (legacy classful addressing; today CIDR prefixes decide)"
            );
        }
        None => {
            let _ = writeln!(out, "class        none (IPv6 never had classes)");
        }
    }
    Ok(out)
}

/// `text` with the network bits (the first `prefix`) highlighted.
fn highlight(bits: &str, prefix: u8, color: bool) -> String {
    let (network, host) = split_bits(bits, prefix);
    format!(
        "{}{}",
        Style::GREEN.paint(network, color),
        Style::DIM.paint(host, color)
    )
}

/// The `--explain` table for `net`.
fn explain(net: IpNet, color: bool) -> String {
    let prefix = net.prefix_len();
    let rows = explain_and(net);
    let width = rows.iter().fold(0, |width, row| width.max(row.value.len()));
    let mut out = String::new();
    for row in &rows {
        let _ = writeln!(
            out,
            "  {:<8} {:<width$}  {}",
            row.label,
            row.value,
            highlight(&row.bits, prefix, color)
        );
    }
    let _ = writeln!(
        out,
        "  {:<8} {:<width$}  {}",
        "",
        "",
        subnet::marker_line(&rows[0].bits, prefix)
    );
    out
}

/// The legend under `--explain` tables.
const LEGEND: &str = "  n = network bit (mask 1: kept), h = host bit (mask 0: cleared); \
                      each bit of AND is 1 only where address and mask are both 1\n";

/// `net-basics subnet`: the facts of `net`, and with `explain_and` the AND of
/// address and mask bit by bit.
pub fn subnet(net: IpNet, explain_and: bool, json: bool, color: bool) -> Result<String, ShowError> {
    let facts = subnet::facts(net);
    if json {
        return to_json(&facts);
    }
    let mut out = String::new();
    let _ = writeln!(out, "address      {}", facts.address);
    let _ = writeln!(out, "prefix       /{}", facts.prefix);
    let _ = writeln!(out, "netmask      {}", facts.netmask);
    let _ = writeln!(out, "wildcard     {}", facts.wildcard);
    let _ = writeln!(out, "network      {}", facts.network);
    let broadcast = match (&facts.broadcast, net) {
        (Some(b), _) => b.clone(),
        (None, IpNet::V6(_)) => {
            "none (IPv6 has no broadcast; multicast ff02::1 reaches all nodes)".into()
        }
        (None, _) if facts.prefix == 31 => "none (/31: a point-to-point link, RFC 3021)".into(),
        (None, _) => "none (/32: a single host)".into(),
    };
    let _ = writeln!(out, "broadcast    {broadcast}");
    let _ = writeln!(out, "first host   {}", facts.first_host);
    let _ = writeln!(out, "last host    {}", facts.last_host);
    let hosts_note = match net {
        IpNet::V6(_) => " (addresses in the prefix)",
        IpNet::V4(_) if facts.prefix >= 31 => "",
        IpNet::V4(_) => " (all addresses minus network and broadcast)",
    };
    let _ = writeln!(out, "hosts        {}{hosts_note}", facts.hosts);
    if explain_and {
        out.push('\n');
        out.push_str(&explain(net, color));
        out.push_str(LEGEND);
    }
    Ok(out)
}

/// `net-basics same-subnet`: both ANDs with a mask of `prefix` bits, and the
/// verdict.
pub fn same_subnet(
    a: IpAddr,
    b: IpAddr,
    prefix: u8,
    json: bool,
    color: bool,
) -> Result<String, ShowError> {
    let answer = subnet::same_subnet(a, b, prefix).map_err(ShowError::Subnet)?;
    if json {
        return to_json(&answer);
    }
    let mut out = String::new();
    let _ = writeln!(out, "mask /{prefix} = {}", answer.mask);
    out.push('\n');
    out.push_str(&explain(answer.net_a, color));
    out.push('\n');
    out.push_str(&explain(answer.net_b, color));
    out.push_str(LEGEND);
    out.push('\n');
    let verdict = if answer.same {
        format!("same subnet: both give {}", answer.network_a)
    } else {
        format!(
            "different subnets: {} gives {}, {} gives {}",
            answer.a, answer.network_a, answer.b, answer.network_b
        )
    };
    let _ = writeln!(out, "{verdict}");
    Ok(out)
}

/// `net-basics split`: `net` cut into subnets of `new_prefix` bits.
pub fn split(net: IpNet, new_prefix: u8, json: bool) -> Result<String, ShowError> {
    let result = splitting::split(net, new_prefix).map_err(ShowError::Split)?;
    if json {
        return to_json(&result);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} split into /{}: {} subnets ({} more prefix bits)",
        result.network,
        result.new_prefix,
        result.count,
        new_prefix - net.prefix_len()
    );
    for subnet in &result.subnets {
        let _ = writeln!(out, "  {subnet}");
    }
    if result.truncated {
        let _ = writeln!(
            out,
            "  ... (only the first {} are listed)",
            splitting::MAX_LISTED_SUBNETS
        );
    }
    Ok(out)
}

/// `net-basics aggregate`: the fewest prefixes that cover `nets`.
pub fn aggregate(nets: &[IpNet], json: bool) -> Result<String, ShowError> {
    let result = splitting::aggregate(nets);
    if json {
        return to_json(&result);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} networks aggregate to {}:",
        result.input.len(),
        result.aggregated.len()
    );
    for net in &result.aggregated {
        let _ = writeln!(out, "  {net}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn addr(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn explain_is_correct_and_plain_without_colour() {
        let text = subnet(net("172.16.10.1/24"), true, false, false).unwrap();
        assert!(text.contains("10101100.00010000.00001010.00000001"));
        assert!(
            text.contains("AND      172.16.10.0    10101100.00010000.00001010.00000000"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn explain_highlights_network_bits_on_a_terminal() {
        let text = subnet(net("172.16.10.1/24"), true, false, true).unwrap();
        assert!(
            text.contains("\x1b[32m10101100.00010000.00001010\x1b[0m\x1b[2m.00000001\x1b[0m"),
            "{text}"
        );
    }

    #[test]
    fn same_subnet_says_which_network_both_give() {
        let text = same_subnet(addr("172.16.10.1"), addr("172.16.10.2"), 24, false, false).unwrap();
        assert!(
            text.ends_with("same subnet: both give 172.16.10.0\n"),
            "{text}"
        );
    }

    #[test]
    fn same_subnet_refuses_two_ip_versions() {
        let error = same_subnet(addr("1.1.1.1"), addr("::1"), 8, false, false).unwrap_err();
        assert!(matches!(error, ShowError::Subnet(_)), "{error}");
    }
}
