//! The loopback interface, read frame by frame through a raw packet socket.
//!
//! Linux only: a packet socket (`socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)`) is
//! Linux's way to read whole frames, and opening one needs the CAP_NET_RAW
//! capability (root has it), because it sees every program's traffic. macOS has
//! BPF devices and Windows needs the Npcap driver instead; there,
//! [`Loopback::open`] says so. (pnet's datalink layer covers those too, with
//! more setup than a lesson should need.)

use std::fmt;
use std::io;
use std::time::Duration;

/// The loopback interface's frames are at most its MTU, 65,536 bytes, plus the
/// 14-byte Ethernet header Linux puts in front; a smaller read buffer would cut
/// a large segment short.
pub const READ_BUFFER: usize = 65_536 + 64;

/// How long a read waits for a frame before it reports a quiet moment
/// (`TimedOut`): [`super::Observer`] holds each row until the next frame or
/// such a moment, so this is how late the last row of a burst is printed.
pub const QUIET: Duration = Duration::from_millis(50);

/// Why the loopback interface cannot be read.
#[derive(Debug)]
pub enum CaptureError {
    /// Not Linux: this lesson reads frames with Linux's packet sockets.
    Unsupported,
    /// The system refused the raw socket: it needs CAP_NET_RAW.
    NotPermitted(io::Error),
    /// No interface is marked as loopback (or has the name asked for).
    NoLoopback,
    /// Reading failed.
    Io(io::Error),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Unsupported => f.write_str(
                "capture reads frames with Linux's packet sockets: this system is not Linux",
            ),
            CaptureError::NotPermitted(e) => write!(
                f,
                "cannot open a raw packet socket on the loopback interface: {e} (it needs CAP_NET_RAW)"
            ),
            CaptureError::NoLoopback => f.write_str("no loopback interface found"),
            CaptureError::Io(e) => write!(f, "reading the loopback interface: {e}"),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::NotPermitted(e) | CaptureError::Io(e) => Some(e),
            CaptureError::Unsupported | CaptureError::NoLoopback => None,
        }
    }
}

/// The loopback interface, open for reading frames.
pub struct Loopback {
    name: String,
    #[cfg(target_os = "linux")]
    receiver: Box<dyn pnet_datalink::DataLinkReceiver>,
}

impl fmt::Debug for Loopback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loopback")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Loopback {
    /// The interface's name (`lo` on Linux).
    pub fn name(&self) -> &str {
        &self.name
    }
}

#[cfg(target_os = "linux")]
impl Loopback {
    /// Opens a raw packet socket on the loopback interface. From now on every
    /// frame it carries is kept for [`Loopback::next_frame`], so a connection
    /// started after this returns is seen whole.
    pub fn open() -> Result<Loopback, CaptureError> {
        let interface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.is_loopback())
            .ok_or(CaptureError::NoLoopback)?;
        Loopback::open_interface(interface)
    }

    /// The same on the interface named `name` (`lan --real` records each
    /// host's card with it, inside the host's namespace).
    pub fn open_named(name: &str) -> Result<Loopback, CaptureError> {
        let interface = pnet_datalink::interfaces()
            .into_iter()
            .find(|i| i.name == name)
            .ok_or(CaptureError::NoLoopback)?;
        Loopback::open_interface(interface)
    }

    fn open_interface(
        interface: pnet_datalink::NetworkInterface,
    ) -> Result<Loopback, CaptureError> {
        use pnet_datalink::{Channel, Config};
        let config = Config {
            read_buffer_size: READ_BUFFER,
            read_timeout: Some(QUIET),
            // Loopback has no other machines' frames to be promiscuous about.
            promiscuous: false,
            ..Config::default()
        };
        match pnet_datalink::channel(&interface, config) {
            Ok(Channel::Ethernet(_sender, receiver)) => Ok(Loopback {
                name: interface.name,
                receiver,
            }),
            Ok(_) => Err(CaptureError::Io(io::Error::other(
                "pnet opened a channel of an unknown kind",
            ))),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                Err(CaptureError::NotPermitted(e))
            }
            Err(e) => Err(CaptureError::Io(e)),
        }
    }

    /// The next frame. After [`QUIET`] without one, an `Io` error of kind
    /// `TimedOut`; a signal that arrives while waiting, one of kind
    /// `Interrupted`: wait again in both cases.
    pub fn next_frame(&mut self) -> Result<&[u8], CaptureError> {
        self.receiver.next().map_err(CaptureError::Io)
    }
}

#[cfg(not(target_os = "linux"))]
impl Loopback {
    /// Elsewhere than Linux: [`CaptureError::Unsupported`].
    pub fn open() -> Result<Loopback, CaptureError> {
        Err(CaptureError::Unsupported)
    }

    /// Elsewhere than Linux: [`CaptureError::Unsupported`].
    pub fn open_named(_name: &str) -> Result<Loopback, CaptureError> {
        Err(CaptureError::Unsupported)
    }

    /// Never reached: no `Loopback` exists outside Linux.
    pub fn next_frame(&mut self) -> Result<&[u8], CaptureError> {
        Err(CaptureError::Unsupported)
    }
}
