//! Layer models (网络分层): OSI's seven layers, the five-layer TCP/IP model the
//! tutorial teaches, and the four layers of RFC 1122, side by side.
//!
//! Each layer only talks to the layers right above and below it, and each adds its
//! own header (see `net-basics encap`). Sockets sit between the application and the
//! transport layer: the facade (门面) the tutorial describes.
//!
//! ```text
//! $ net-basics layers
//! ```

use serde::Serialize;

/// One OSI layer, with the TCP/IP layers it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// 7 (application) down to 1 (physical).
    pub osi_number: u8,
    pub osi: &'static str,
    pub chinese: &'static str,
    /// The five-layer model's name for it.
    pub tcp_ip_5: &'static str,
    /// The four-layer model's name for it.
    pub tcp_ip_4: &'static str,
    pub devices: &'static str,
    pub protocols: &'static str,
    /// What identifies the destination at this layer.
    pub address: &'static str,
}

// ANCHOR: table
/// The seven OSI layers, top to bottom.
pub const LAYERS: &[Layer] = &[
    Layer {
        osi_number: 7,
        osi: "application",
        chinese: "应用层",
        tcp_ip_5: "application",
        tcp_ip_4: "application",
        devices: "hosts (computers, phones, servers)",
        protocols: "HTTP, FTP, SMTP, POP3, DNS, Telnet, SNMP",
        address: "URL, name",
    },
    Layer {
        osi_number: 6,
        osi: "presentation",
        chinese: "表示层",
        tcp_ip_5: "application",
        tcp_ip_4: "application",
        devices: "hosts",
        protocols: "TLS, UTF-8, JSON (encodings)",
        address: "-",
    },
    Layer {
        osi_number: 5,
        osi: "session",
        chinese: "会话层",
        tcp_ip_5: "application",
        tcp_ip_4: "application",
        devices: "hosts",
        protocols: "RPC, (TLS sessions)",
        address: "-",
    },
    Layer {
        osi_number: 4,
        osi: "transport",
        chinese: "传输层",
        tcp_ip_5: "transport",
        tcp_ip_4: "transport",
        devices: "hosts; layer-4 load balancers, firewalls",
        protocols: "TCP, UDP",
        address: "port",
    },
    Layer {
        osi_number: 3,
        osi: "network",
        chinese: "网络层",
        tcp_ip_5: "network",
        tcp_ip_4: "internet",
        devices: "routers, layer-3 switches",
        protocols: "IP, ICMP, (ARP between 2 and 3)",
        address: "IP address",
    },
    Layer {
        osi_number: 2,
        osi: "data link",
        chinese: "数据链路层",
        tcp_ip_5: "data link",
        tcp_ip_4: "link",
        devices: "switches, bridges, network cards",
        protocols: "Ethernet, Wi-Fi (802.11), ARP",
        address: "MAC address",
    },
    Layer {
        osi_number: 1,
        osi: "physical",
        chinese: "物理层",
        tcp_ip_5: "physical",
        tcp_ip_4: "link",
        devices: "hubs, repeaters, cables, fibre, radio",
        protocols: "electrical, optical and radio signals (bits)",
        address: "-",
    },
];
// ANCHOR_END: table

/// Where sockets sit, for the text under the table.
pub const SOCKET_NOTE: &str = "sockets (套接字) sit between the application layer and the transport \
layer: a program calls socket(), bind(), connect(), send() and the operating system's TCP/IP \
stack does the rest";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_osi_layers_top_down() {
        let numbers: Vec<u8> = LAYERS.iter().map(|l| l.osi_number).collect();
        assert_eq!(numbers, [7, 6, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn five_and_four_layer_models_have_the_right_number_of_distinct_layers() {
        let mut five: Vec<&str> = LAYERS.iter().map(|l| l.tcp_ip_5).collect();
        five.dedup();
        assert_eq!(five.len(), 5);
        let mut four: Vec<&str> = LAYERS.iter().map(|l| l.tcp_ip_4).collect();
        four.dedup();
        assert_eq!(four.len(), 4);
    }

    #[test]
    fn tcp_and_udp_are_transport_ip_is_network() {
        let transport = LAYERS.iter().find(|l| l.osi == "transport").unwrap();
        assert!(transport.protocols.contains("TCP") && transport.protocols.contains("UDP"));
        let network = LAYERS.iter().find(|l| l.osi == "network").unwrap();
        assert!(network.protocols.starts_with("IP"));
    }
}
