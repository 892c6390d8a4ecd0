//! Printing `ip`, `subnet`, `same-subnet`, `split` and `aggregate`.

use std::fmt::Write;
use std::net::IpAddr;

use ipnet::IpNet;
use netlab_common::Failure;
use netlab_common::color::Style;

use super::{number, to_json, usage};
use crate::ip::{self, parse_addr};
use crate::split as splitting;
use crate::subnet::{self, SubnetError, explain_and, parse_mask, parse_network, split_bits};

pub fn ip(address: &str, json: bool) -> Result<String, Failure> {
    let addr = parse_addr(address).map_err(usage)?;
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

/// The `--explain` table for `addr/prefix`.
fn explain(addr: IpAddr, prefix: u8, color: bool) -> String {
    let rows = explain_and(addr, prefix);
    let width = rows.iter().map(|r| r.value.len()).max().unwrap_or(0);
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

pub fn subnet(
    network: &str,
    mask: Option<&str>,
    explain_and: bool,
    json: bool,
    color: bool,
) -> Result<String, Failure> {
    let net = parse_network(network, mask).map_err(usage)?;
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
        out.push_str(&explain(net.addr(), net.prefix_len(), color));
        out.push_str(LEGEND);
    }
    Ok(out)
}

pub fn same_subnet(
    a: &str,
    b: &str,
    mask: Option<&str>,
    json: bool,
    color: bool,
) -> Result<String, Failure> {
    // A may carry the prefix (A/24 B); B may too, if it agrees.
    let net_a = parse_network(a, None).map_err(usage)?;
    let net_b = parse_network(b, None).map_err(usage)?;
    let given_a = a.contains('/').then_some(net_a.prefix_len());
    let given_b = b.contains('/').then_some(net_b.prefix_len());
    let given_mask = match mask {
        Some(mask) => Some(parse_mask(mask, net_a.addr()).map_err(usage)?),
        None => None,
    };
    let mut prefixes = [given_a, given_b, given_mask].into_iter().flatten();
    let Some(prefix) = prefixes.next() else {
        return Err(Failure::usage(format!(
            "no mask for '{a}' and '{b}' (give --mask 255.255.255.0, or write A as ADDRESS/PREFIX)"
        )));
    };
    if let Some(other) = prefixes.find(|p| *p != prefix) {
        return Err(usage(SubnetError::Conflict {
            first: prefix,
            second: other,
        }));
    }
    let answer = subnet::same_subnet(net_a.addr(), net_b.addr(), prefix).map_err(usage)?;
    if json {
        return to_json(&answer);
    }
    let mut out = String::new();
    let _ = writeln!(out, "mask /{prefix} = {}", answer.mask);
    out.push('\n');
    out.push_str(&explain(net_a.addr(), prefix, color));
    out.push('\n');
    out.push_str(&explain(net_b.addr(), prefix, color));
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

pub fn split(
    network: &str,
    prefix: Option<&str>,
    count: Option<&str>,
    json: bool,
) -> Result<String, Failure> {
    let net = parse_network(network, None).map_err(usage)?;
    let new_prefix = match (prefix, count) {
        (Some(prefix), _) => subnet::parse_prefix(prefix, net.max_prefix_len()).map_err(usage)?,
        (None, Some(count)) => {
            let count: u64 = number("--count", count, "a number of subnets, e.g. 4")?;
            splitting::prefix_for_count(net, count).map_err(usage)?
        }
        (None, None) => return Err(Failure::usage("give --prefix P or --count N")),
    };
    let result = splitting::split(net, new_prefix).map_err(usage)?;
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

pub fn aggregate(networks: &[String], json: bool) -> Result<String, Failure> {
    let nets = networks
        .iter()
        .map(|text| parse_network(text, None).map(|n| n.trunc()))
        .collect::<Result<Vec<IpNet>, _>>()
        .map_err(usage)?;
    let result = splitting::aggregate(&nets);
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

    #[test]
    fn explain_is_correct_and_plain_without_colour() {
        let text = subnet("172.16.10.1/24", None, true, false, false).unwrap();
        assert!(text.contains("10101100.00010000.00001010.00000001"));
        assert!(
            text.contains("AND      172.16.10.0    10101100.00010000.00001010.00000000"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn explain_highlights_network_bits_on_a_terminal() {
        let text = subnet("172.16.10.1/24", None, true, false, true).unwrap();
        assert!(
            text.contains("\x1b[32m10101100.00010000.00001010\x1b[0m\x1b[2m.00000001\x1b[0m"),
            "{text}"
        );
    }

    #[test]
    fn same_subnet_from_a_prefix_on_the_first_address() {
        let text = same_subnet("172.16.10.1/24", "172.16.10.2", None, false, false).unwrap();
        assert!(
            text.ends_with("same subnet: both give 172.16.10.0\n"),
            "{text}"
        );
    }

    #[test]
    fn same_subnet_refuses_two_different_masks() {
        assert!(same_subnet("1.1.1.1/24", "1.1.1.2", Some("/16"), false, false).is_err());
    }
}
