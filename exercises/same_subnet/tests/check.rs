use std::net::Ipv4Addr;

use ex_same_subnet::{network, prefix_to_mask, same_subnet};

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

#[test]
fn masks_from_prefix_lengths() {
    assert_eq!(prefix_to_mask(24), Some(ip("255.255.255.0")));
    assert_eq!(prefix_to_mask(25), Some(ip("255.255.255.128")));
    assert_eq!(prefix_to_mask(12), Some(ip("255.240.0.0")));
}

#[test]
fn the_extreme_prefixes() {
    assert_eq!(prefix_to_mask(0), Some(ip("0.0.0.0")));
    assert_eq!(prefix_to_mask(32), Some(ip("255.255.255.255")));
    assert_eq!(prefix_to_mask(33), None);
    assert_eq!(prefix_to_mask(255), None);
}

#[test]
fn the_tutorials_example() {
    let mask = ip("255.255.255.0");
    assert_eq!(network(ip("172.16.10.1"), mask), ip("172.16.10.0"));
    assert_eq!(network(ip("172.16.10.2"), mask), ip("172.16.10.0"));
    assert!(same_subnet(ip("172.16.10.1"), ip("172.16.10.2"), mask));
}

#[test]
fn a_longer_mask_separates_them() {
    let mask = ip("255.255.255.128");
    assert_eq!(network(ip("172.16.10.200"), mask), ip("172.16.10.128"));
    assert!(!same_subnet(ip("172.16.10.1"), ip("172.16.10.200"), mask));
}

#[test]
fn slash_0_holds_everything_and_slash_32_only_one() {
    assert!(same_subnet(ip("1.2.3.4"), ip("200.1.1.1"), ip("0.0.0.0")));
    assert!(!same_subnet(
        ip("10.0.0.1"),
        ip("10.0.0.2"),
        ip("255.255.255.255")
    ));
    assert!(same_subnet(
        ip("10.0.0.1"),
        ip("10.0.0.1"),
        ip("255.255.255.255")
    ));
}

#[test]
fn different_networks_with_a_slash_16() {
    let mask = prefix_to_mask(16).unwrap();
    assert!(same_subnet(ip("192.168.1.1"), ip("192.168.200.7"), mask));
    assert!(!same_subnet(ip("192.168.1.1"), ip("192.169.1.1"), mask));
}
