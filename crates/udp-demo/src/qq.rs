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

use std::fmt;
use std::io::{self, BufRead, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use netlab_common::amplification;
use netlab_common::color::Style;
use netlab_common::failure::explain_connect;
use netlab_common::peer_text;
use netlab_common::stream::read_line_bounded;

use crate::boundaries::recv_from_reporting;
use crate::simple::client_bind_addr;

/// The tutorial's address: `ip_port=('127.0.0.1',8081)`.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8081);

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

/// The most a `--contacts-file` may hold: 64 KiB. A contact is a line of about 30
/// bytes (`"金老板" = "127.0.0.1:8081"`), so that is some 2,000 contacts, far more
/// than a chat list needs, and still nothing to read and parse. Without a cap,
/// `--contacts-file /dev/zero` (or a huge file named by mistake) would be read
/// until memory runs out.
pub const MAX_CONTACTS_FILE: u64 = 64 * 1024;

/// The default `--timeout` of the client: how long to wait for a reply. The
/// other side is a person typing, so this is longer than `udp-demo client`'s.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a contact table was refused. Each message names the bad value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactsError {
    /// A `--contact` without `=`.
    NotAnEntry(String),
    /// A contact without a name (`=127.0.0.1:8081`).
    NoName { addr: String },
    /// A contact whose address is not HOST:PORT.
    NotAnAddress { name: String, addr: String },
    /// A contact at an address a client cannot send to (port 0).
    NotADestination {
        name: String,
        addr: SocketAddr,
        why: String,
    },
    /// A contacts file that is not TOML.
    NotToml(String),
    /// A contacts file without a `[contacts]` table.
    NoTable,
    /// A contact whose value is not a `"HOST:PORT"` string.
    NotAString { name: String, value: String },
}

impl fmt::Display for ContactsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContactsError::NotAnEntry(entry) => {
                write!(f, "'{entry}' is not a contact (expected NAME=HOST:PORT)")
            }
            ContactsError::NoName { addr } => write!(f, "contact '={addr}' has no name"),
            ContactsError::NotAnAddress { name, addr } => write!(
                f,
                "contact '{name}': '{addr}' is not an address (expected HOST:PORT)"
            ),
            ContactsError::NotADestination { name, addr, why } => {
                write!(f, "contact '{name}': '{addr}': {why}")
            }
            ContactsError::NotToml(why) => write!(f, "not valid TOML: {why}"),
            ContactsError::NoTable => {
                f.write_str("expected a [contacts] table of \"NAME\" = \"HOST:PORT\"")
            }
            ContactsError::NotAString { name, value } => {
                write!(f, "contact '{name}': expected \"HOST:PORT\", got {value}")
            }
        }
    }
}

impl std::error::Error for ContactsError {}

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
    pub fn from_entries<S: AsRef<str>>(entries: &[S]) -> Result<Contacts, ContactsError> {
        let mut contacts = Vec::new();
        for entry in entries {
            let entry = entry.as_ref();
            let (name, addr) = entry
                .split_once('=')
                .ok_or_else(|| ContactsError::NotAnEntry(entry.to_string()))?;
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
    pub fn from_toml(text: &str) -> Result<Contacts, ContactsError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ContactsError::NotToml(e.to_string()))?;
        let Some(toml::Value::Table(entries)) = table.get("contacts") else {
            return Err(ContactsError::NoTable);
        };
        let mut contacts = Vec::new();
        for (name, value) in entries {
            let toml::Value::String(addr) = value else {
                return Err(ContactsError::NotAString {
                    name: name.clone(),
                    value: value.to_string(),
                });
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

    /// Where the client's one socket binds: loopback when the first contact is
    /// on loopback, as [`client_bind_addr`] says (or as for `server`, when the
    /// table is empty).
    pub fn bind_addr(&self, server: SocketAddr) -> SocketAddr {
        client_bind_addr(self.0.first().map_or(server, |(_, addr)| *addr))
    }
}

fn parse_contact(name: &str, addr: &str) -> Result<(String, SocketAddr), ContactsError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ContactsError::NoName {
            addr: addr.to_string(),
        });
    }
    let addr: SocketAddr = addr
        .trim()
        .parse()
        .map_err(|_| ContactsError::NotAnAddress {
            name: name.to_string(),
            addr: addr.to_string(),
        })?;
    let addr = netlab_common::cli::check_destination(addr).map_err(|why| {
        ContactsError::NotADestination {
            name: name.to_string(),
            addr,
            why,
        }
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

/// Whether `reply` may answer a datagram of `request_len` bytes under the
/// amplification rule (RFC 9000 §8.1): counted with 28 bytes of IPv4 and UDP
/// headers each, at most 3 times the request. Says why not on stderr.
///
/// The reply is typed by a person, so a reply that breaks the rule is not sent
/// at all, and the operator is asked for a shorter one. Not cut, nor replaced by
/// a short notice: either would go out in the operator's name saying something
/// they did not type, and they are at the keyboard and can say it shorter. The
/// rule matters because the sender's address is only what the datagram claims:
/// someone can send `在吗` "from" a victim's address, and a long reply would go to
/// the victim, several times bigger than what the attacker spent.
fn within_the_amplification_rule(request_len: usize, reply: &str) -> bool {
    if amplification::allows(request_len, reply.len()) {
        return true;
    }
    eprintln!(
        "(that reply is {} bytes; a {request_len}-byte message may get at most {} back \
         (3 times its size, both counted with 28 bytes of headers), or a forged sender \
         could use this server as an amplifier: type a shorter reply)",
        reply.len(),
        amplification::max_reply_len(request_len)
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

impl<'a> Console<'a> {
    /// Lines come from `input`, messages are shown on `output`; `prompt` shows
    /// the tutorial's prompts and `color` paints messages blue (both only on a
    /// terminal).
    pub fn new(
        input: &'a mut dyn BufRead,
        output: &'a mut dyn Write,
        prompt: bool,
        color: bool,
    ) -> Self {
        Console {
            input,
            output,
            prompt,
            color,
        }
    }
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

    /// Prints a peer's message. Python prints it as it came, and a terminal obeys
    /// the control characters in it: ESC sequences that clear the screen or
    /// retitle the window, CR and LF that start a line looking like another
    /// message. So the text is shown with them as escapes (`\u{1b}`, `\n`); the
    /// blue around it is ours, and stays (on a terminal only).
    fn show(&mut self, from: SocketAddr, data: &[u8]) -> io::Result<()> {
        // Python: qq_msg.decode('utf-8'), made safe to print.
        let text = peer_text::visible_bytes(data);
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
        // What came on the wire, for the amplification rule (a cut datagram had more).
        let request_len = datagram.truncated_from.unwrap_or(datagram.data.len());
        // Python: back_msg=input('回复消息: ').strip()
        let mut back_msg = None;
        while let Some(line) = console.line(REPLY_PROMPT)? {
            if fits(&line) && within_the_amplification_rule(request_len, &line) {
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
                let explanation = explain_connect(addr, &e)
                    .map(|text| format!("\n{text}"))
                    .unwrap_or_default();
                eprintln!("(cannot reach {addr}: {e}{explanation}; choose another contact with q)");
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
                        netlab_common::cli::humanize_duration(timeout)
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
    fn a_peers_control_characters_are_shown_as_escapes_inside_our_blue() {
        let from: SocketAddr = "127.0.0.1:8081".parse().unwrap();
        let mut input = Cursor::new(Vec::new());
        for color in [false, true] {
            let mut output = Vec::new();
            let mut console = Console {
                input: &mut input,
                output: &mut output,
                prompt: false,
                color,
            };
            console
                .show(from, b"\x1b]0;pwned\x07hi\r\n admin: trust mallory")
                .unwrap();
            let shown = String::from_utf8(output).unwrap();
            let text = r"\u{1b}]0;pwned\u{7}hi\r\n admin: trust mallory";
            assert_eq!(shown, format!("{}\n", message_line(from, text, color)));
            // One line, and the only escape sequences are the blue ones, ours.
            assert_eq!(shown.matches('\n').count(), 1);
            assert_eq!(shown.matches('\x1b').count(), if color { 2 } else { 0 });
        }
    }

    #[test]
    fn a_reply_may_be_three_times_the_message_counted_with_headers() {
        // An empty datagram may get 56 bytes, 在吗 (6 bytes) 74.
        assert!(within_the_amplification_rule(0, &"x".repeat(56)));
        assert!(!within_the_amplification_rule(0, &"x".repeat(57)));
        assert!(within_the_amplification_rule(6, &"在".repeat(24)));
        assert!(!within_the_amplification_rule(6, &"在".repeat(25)));
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
        let server = DEFAULT_ADDR;
        let contacts = Contacts::tutorial(server);
        assert_eq!(contacts.names(), TUTORIAL_CONTACTS);
        assert_eq!(contacts.get("金老板"), Some(server));
        assert_eq!(contacts.get("nobody"), None);
    }

    #[test]
    fn bad_contact_entries_name_the_value() {
        let error = Contacts::from_entries(&["egg=nowhere"]).unwrap_err();
        assert!(error.to_string().contains("'nowhere'"), "{error}");
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
            let mut console = Console::new(&mut input, &mut output, false, false);
            run_server(&server, &mut console).unwrap();
            String::from_utf8(output).unwrap()
        });
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let client_addr = client.local_addr().unwrap();
        // An unknown contact and an empty line are skipped; then 哪吒 gets a message.
        let mut input = Cursor::new("nobody\nlost\nq\n哪吒\n\n在吗\nq\n".as_bytes().to_vec());
        let mut output = Vec::new();
        let mut console = Console::new(&mut input, &mut output, false, false);
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
