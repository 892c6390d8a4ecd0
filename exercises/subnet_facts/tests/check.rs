use std::net::Ipv4Addr;

use ex_subnet_facts::{Facts, facts};

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

#[test]
fn the_tutorials_slash_24() {
    assert_eq!(
        facts("172.16.10.1/24"),
        Ok(Facts {
            network: ip("172.16.10.0"),
            broadcast: Some(ip("172.16.10.255")),
            first_host: ip("172.16.10.1"),
            last_host: ip("172.16.10.254"),
            hosts: 254,
        })
    );
}

#[test]
fn a_slash_26_in_the_middle() {
    let f = facts("192.168.1.100/26").unwrap();
    assert_eq!(f.network, ip("192.168.1.64"));
    assert_eq!(f.broadcast, Some(ip("192.168.1.127")));
    assert_eq!(f.hosts, 62);
}

#[test]
fn slash_30_has_two_hosts_and_a_broadcast() {
    let f = facts("10.0.0.5/30").unwrap();
    assert_eq!(
        (f.first_host, f.last_host),
        (ip("10.0.0.5"), ip("10.0.0.6"))
    );
    assert_eq!(f.broadcast, Some(ip("10.0.0.7")));
    assert_eq!(f.hosts, 2);
}

#[test]
fn slash_31_is_a_point_to_point_link() {
    let f = facts("10.0.0.1/31").unwrap();
    assert_eq!(f.broadcast, None);
    assert_eq!(
        (f.first_host, f.last_host),
        (ip("10.0.0.0"), ip("10.0.0.1"))
    );
    assert_eq!(f.hosts, 2);
}

#[test]
fn slash_32_is_one_host() {
    let f = facts("10.0.0.7/32").unwrap();
    assert_eq!(f.broadcast, None);
    assert_eq!(
        (f.first_host, f.last_host),
        (ip("10.0.0.7"), ip("10.0.0.7"))
    );
    assert_eq!(f.hosts, 1);
}

#[test]
fn slash_0_is_the_whole_address_space() {
    let f = facts("0.0.0.0/0").unwrap();
    assert_eq!(f.hosts, 4_294_967_294);
    assert_eq!(f.broadcast, Some(ip("255.255.255.255")));
    assert_eq!(f.first_host, ip("0.0.0.1"));
}

#[test]
fn malformed_networks_are_errors() {
    for bad in [
        "300.1.1.1/24",
        "1.2.3.4/33",
        "1.2.3.4",
        "1.2.3.4/",
        "1.2.3/24",
        "/24",
        "1.2.3.4/-1",
        "",
    ] {
        let error = facts(bad).expect_err(bad);
        assert_eq!(error.input, bad);
    }
}
