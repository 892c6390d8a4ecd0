//! 四.套接字初使用 — the tutorial's "QQ chat" over UDP (qq聊天).
//!
//! The server (127.0.0.1:8081) prints every message as
//! `来自[ip:port]的一条消息:` followed by the text on a blue background
//! (`\033[1;44m…\033[0m`), and answers with a line typed at its keyboard. The
//! client picks a contact from a name → address table (the tutorial's 金老板, 哪吒,
//! egg and yuan, all at the server's address), then sends lines to that contact
//! until `q`, which goes back to choosing a contact. Empty lines and unknown
//! contacts are skipped, as in the tutorial.
//!
//! ```text
//! terminal 1: udp-demo qq-server           (or: python3 tests/python/qq_server.py)
//! terminal 2: udp-demo qq-client           (or: python3 tests/python/qq_client.py)
//!             金老板 ⏎  在吗? ⏎  ...  q ⏎
//! ```
//!
//! One server socket talks to every client: UDP needs no connection per peer,
//! the address that came with each datagram says whom to answer. A production
//! chat would add accounts, delivery receipts and retransmission, because UDP
//! loses datagrams; ours only notices when no reply comes (`--timeout`).

use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::color::Style;
use netlab_common::stream::read_line_bounded;

use crate::boundaries::recv_from_reporting;

/// The tutorial's address: `ip_port=('127.0.0.1',8081)`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8081";

/// The tutorial's `BUFSIZE=1024`.
pub const BUFSIZE: usize = 1024;

/// The names of the tutorial's `qq_name_dic`, all at the server's address.
pub const TUTORIAL_CONTACTS: [&str; 4] = ["金老板", "哪吒", "egg", "yuan"];

/// `input('请选择聊天对象: ')`
pub const CONTACT_PROMPT: &str = "请选择聊天对象: ";
/// `input('请输入消息,回车发送,输入q结束和他的聊天: ')`
pub const MESSAGE_PROMPT: &str = "请输入消息,回车发送,输入q结束和他的聊天: ";
/// `input('回复消息: ')`
pub const REPLY_PROMPT: &str = "回复消息: ";

/// The longest keyboard line read at once: a bound against a runaway pipe.
pub const MAX_INPUT_LINE: usize = 64 * 1024;

/// The default `--timeout` of the client: how long to wait for a reply. The
/// other side is a person typing, so this is longer than `udp-demo client`'s.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// The contact table: names and addresses, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts(Vec<(String, SocketAddr)>);

impl Contacts {
    /// The tutorial's table, every name at `server`.
    pub fn tutorial(server: SocketAddr) -> Contacts {
        Contacts(
            TUTORIAL_CONTACTS
                .iter()
                .map(|name| (name.to_string(), server))
                .collect(),
        )
    }

    /// Contacts from `NAME=ADDR` entries (the `--contact` option).
    ///
    /// ```
    /// use udp_demo::qq::Contacts;
    /// let contacts = Contacts::from_entries(&["哪吒=127.0.0.1:8081"]).unwrap();
    /// assert_eq!(contacts.get("哪吒"), Some("127.0.0.1:8081".parse().unwrap()));
    /// assert!(Contacts::from_entries(&["nobody"]).is_err());
    /// ```
    pub fn from_entries<S: AsRef<str>>(entries: &[S]) -> Result<Contacts, String> {
        let mut contacts = Vec::new();
        for entry in entries {
            let entry = entry.as_ref();
            let (name, addr) = entry
                .split_once('=')
                .ok_or_else(|| format!("'{entry}' is not a contact (expected NAME=HOST:PORT)"))?;
            contacts.push(parse_contact(name, addr)?);
        }
        Ok(Contacts(contacts))
    }

    /// Contacts from a TOML file's text: a `[contacts]` table of
    /// `"NAME" = "HOST:PORT"` entries (listed sorted by name).
    ///
    /// ```
    /// use udp_demo::qq::Contacts;
    /// let text = "[contacts]\n\"金老板\" = \"127.0.0.1:8081\"\negg = \"127.0.0.1:8082\"\n";
    /// let contacts = Contacts::from_toml(text).unwrap();
    /// assert_eq!(contacts.get("金老板"), Some("127.0.0.1:8081".parse().unwrap()));
    /// assert_eq!(contacts.names().len(), 2);
    /// ```
    pub fn from_toml(text: &str) -> Result<Contacts, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
        let Some(toml::Value::Table(entries)) = table.get("contacts") else {
            return Err("expected a [contacts] table of \"NAME\" = \"HOST:PORT\"".to_string());
        };
        let mut contacts = Vec::new();
        for (name, value) in entries {
            let toml::Value::String(addr) = value else {
                return Err(format!(
                    "contact '{name}': expected \"HOST:PORT\", got {value}"
                ));
            };
            contacts.push(parse_contact(name, addr)?);
        }
        Ok(Contacts(contacts))
    }

    /// The address of `name`.
    pub fn get(&self, name: &str) -> Option<SocketAddr> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, addr)| *addr)
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
}

fn parse_contact(name: &str, addr: &str) -> Result<(String, SocketAddr), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("contact '={addr}' has no name"));
    }
    let addr: SocketAddr = addr.trim().parse().map_err(|_| {
        format!("contact '{name}': '{addr}' is not an address (expected HOST:PORT)")
    })?;
    Ok((name.to_string(), addr))
}

/// The line both programs print for a message:
/// `'来自[%s:%s]的一条消息:\033[1;44m%s\033[0m' % (addr[0], addr[1], text)`.
// ANCHOR: message_line
pub fn message_line(from: SocketAddr, text: &str, color: bool) -> String {
    format!(
        "来自[{}:{}]的一条消息:{}",
        from.ip(),
        from.port(),
        Style::TUTORIAL_BLUE_BACKGROUND.paint(text, color)
    )
}
// ANCHOR_END: message_line

/// `input(prompt).strip()`: the next line, trimmed; `None` at the end of input.
pub fn read_stripped_line(
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    prompt: Option<&str>,
) -> io::Result<Option<String>> {
    if let Some(prompt) = prompt {
        write!(output, "{prompt}")?;
        output.flush()?;
    }
    // A line longer than we hold comes back cut (its tail dropped, never taken
    // for the next line); `fits` then refuses it.
    let line = read_line_bounded(input, MAX_INPUT_LINE)?;
    Ok(line.map(|line| String::from_utf8_lossy(&line.bytes).trim().to_string()))
}

/// Whether `text` fits in one read of the other side (`recvfrom(1024)`); says why
/// not on stderr. A longer datagram would be cut, and a character cut in half
/// would make Python's `decode('utf-8')` fail.
fn fits(text: &str) -> bool {
    if text.len() <= BUFSIZE {
        return true;
    }
    eprintln!(
        "(that is {} bytes; the other side reads at most {BUFSIZE} per datagram and would \
         lose the rest: type a shorter message)",
        text.len()
    );
    false
}

/// A side's keyboard and screen.
pub struct Console<'a> {
    pub input: &'a mut dyn BufRead,
    pub output: &'a mut dyn Write,
    /// Show the tutorial's prompts (only on a terminal).
    pub prompt: bool,
    /// Paint messages blue (only on a terminal, never with NO_COLOR).
    pub color: bool,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("prompt", &self.prompt)
            .field("color", &self.color)
            .finish()
    }
}

impl Console<'_> {
    fn line(&mut self, prompt: &str) -> io::Result<Option<String>> {
        let prompt = self.prompt.then_some(prompt);
        read_stripped_line(self.input, self.output, prompt)
    }

    fn show(&mut self, from: SocketAddr, data: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(data); // Python: qq_msg.decode('utf-8')
        if std::str::from_utf8(data).is_err() {
            eprintln!("(the message from {from} is not UTF-8; shown with �)");
        }
        writeln!(self.output, "{}", message_line(from, &text, self.color))?;
        self.output.flush()
    }
}

/// The QQ server: print each message, answer with a typed line. Returns when
/// the keyboard input ends.
// ANCHOR: server
pub fn run_server(socket: &UdpSocket, console: &mut Console<'_>) -> io::Result<()> {
    loop {
        // Python: qq_msg,addr=udp_server_sock.recvfrom(1024)
        let datagram = match recv_from_reporting(socket, BUFSIZE) {
            Ok(datagram) => datagram,
            // Some systems report an earlier reply's "port unreachable" here: it
            // concerns a client that has gone, not the server.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
                ) =>
            {
                eprintln!("(an earlier reply was not delivered: {e})");
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(full) = datagram.truncated_from {
            eprintln!(
                "(a {full}-byte datagram from {} was cut to {BUFSIZE} bytes)",
                datagram.from
            );
        }
        console.show(datagram.from, &datagram.data)?; // Python: print('来自[%s:%s]...')
        // Python: back_msg=input('回复消息: ').strip()
        let mut back_msg = None;
        while let Some(line) = console.line(REPLY_PROMPT)? {
            if fits(&line) {
                back_msg = Some(line);
                break;
            }
        }
        let Some(back_msg) = back_msg else {
            return Ok(());
        };
        // Python: udp_server_sock.sendto(back_msg.encode('utf-8'),addr)
        // (An empty reply is an empty datagram, as in Python: the client still
        // gets an answer.) A failed send concerns this client only: log it.
        if let Err(e) = socket.send_to(back_msg.as_bytes(), datagram.from) {
            eprintln!("(could not answer {}: {e})", datagram.from);
        }
    }
}
// ANCHOR_END: server

/// The QQ client: choose a contact, send lines until `q`, choose again. Returns
/// when the keyboard input ends.
// ANCHOR: client
pub fn run_client(
    socket: &UdpSocket,
    contacts: &Contacts,
    console: &mut Console<'_>,
    timeout: Duration,
) -> io::Result<()> {
    socket.set_read_timeout(Some(timeout))?;
    let mut buf = [0u8; BUFSIZE];
    loop {
        // Python: qq_name=input('请选择聊天对象: ').strip()
        let Some(qq_name) = console.line(CONTACT_PROMPT)? else {
            return Ok(());
        };
        loop {
            let Some(msg) = console.line(MESSAGE_PROMPT)? else {
                return Ok(());
            };
            if msg == "q" {
                break; // Python: if msg == 'q':break
            }
            // Python: if not msg or not qq_name or qq_name not in qq_name_dic:continue
            if msg.is_empty() || qq_name.is_empty() || !fits(&msg) {
                continue;
            }
            let Some(addr) = contacts.get(&qq_name) else {
                eprintln!(
                    "(no contact named '{qq_name}'; type q, then one of: {})",
                    contacts.names().join(", ")
                );
                continue;
            };
            // Python: udp_client_socket.sendto(msg.encode('utf-8'),qq_name_dic[qq_name])
            if let Err(e) = socket.send_to(msg.as_bytes(), addr) {
                // One contact we cannot send to (a broadcast address, an IPv6
                // contact from an IPv4 socket...) does not end the chat with the others.
                let failure = netlab_common::Failure::connect(addr, e);
                eprintln!("({failure}; choose another contact with q)");
                continue;
            }
            // Python: back_msg,addr=udp_client_socket.recvfrom(BUFSIZE)
            match socket.recv_from(&mut buf) {
                Ok((n, from)) => console.show(from, &buf[..n])?,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    eprintln!(
                        "(no reply from {addr} within {}: is the server running? UDP can also \
                         lose datagrams; type the message again or raise --timeout)",
                        netlab_common::failure::humanize_duration(timeout)
                    );
                }
                Err(e) => return Err(e),
            }
        }
    }
}
// ANCHOR_END: client

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::thread;

    #[test]
    fn message_line_matches_the_tutorials_format() {
        let from: SocketAddr = "127.0.0.1:8081".parse().unwrap();
        assert_eq!(
            message_line(from, "hi", false),
            "来自[127.0.0.1:8081]的一条消息:hi"
        );
        assert_eq!(
            message_line(from, "hi", true),
            "来自[127.0.0.1:8081]的一条消息:\x1b[1;44mhi\x1b[0m"
        );
    }

    #[test]
    fn overlong_lines_are_dropped_whole() {
        let mut text = "x".repeat(MAX_INPUT_LINE + 5);
        text.push_str("\n  ok  \n");
        let mut input = Cursor::new(text.into_bytes());
        let mut output = Vec::new();
        let first = read_stripped_line(&mut input, &mut output, None)
            .unwrap()
            .unwrap();
        assert_eq!(first.len(), MAX_INPUT_LINE);
        assert!(!fits(&first));
        let second = read_stripped_line(&mut input, &mut output, None).unwrap();
        assert_eq!(second.as_deref(), Some("ok"));
        assert!(fits("ok"));
    }

    #[test]
    fn tutorial_contacts_point_at_the_server() {
        let server: SocketAddr = DEFAULT_ADDR.parse().unwrap();
        let contacts = Contacts::tutorial(server);
        assert_eq!(contacts.names(), TUTORIAL_CONTACTS);
        assert_eq!(contacts.get("金老板"), Some(server));
        assert_eq!(contacts.get("nobody"), None);
    }

    #[test]
    fn bad_contact_entries_name_the_value() {
        let error = Contacts::from_entries(&["egg=nowhere"]).unwrap_err();
        assert!(error.contains("'nowhere'"), "{error}");
        assert!(Contacts::from_toml("contacts = 3").is_err());
        assert!(Contacts::from_toml("[contacts]\negg = 3").is_err());
    }

    #[test]
    fn a_conversation_skipping_empty_lines_and_unknown_contacts() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let handle = thread::spawn(move || {
            let mut input = Cursor::new("你好呀\n".as_bytes().to_vec());
            let mut output = Vec::new();
            let mut console = Console {
                input: &mut input,
                output: &mut output,
                prompt: false,
                color: false,
            };
            run_server(&server, &mut console).unwrap();
            String::from_utf8(output).unwrap()
        });
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client_addr = client.local_addr().unwrap();
        // An unknown contact and an empty line are skipped; then 哪吒 gets a message.
        let mut input = Cursor::new("nobody\nlost\nq\n哪吒\n\n在吗\nq\n".as_bytes().to_vec());
        let mut output = Vec::new();
        let mut console = Console {
            input: &mut input,
            output: &mut output,
            prompt: false,
            color: false,
        };
        run_client(
            &client,
            &Contacts::tutorial(addr),
            &mut console,
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(output).unwrap(),
            format!("来自[{addr}]的一条消息:你好呀\n")
        );
        // One more datagram lets the server see the end of its input and return.
        client.send_to(b"bye", addr).unwrap();
        assert_eq!(
            handle.join().unwrap(),
            format!("来自[{client_addr}]的一条消息:在吗\n来自[{client_addr}]的一条消息:bye\n")
        );
    }
}
