//! tcp-demo (skeleton; the chapter issue fills it in).

use netlab_common::{DemoResult, Narrator};

/// The chapter's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.say("tcp-demo: demo coming with its chapter issue");
    Ok(())
}

/// Chapter 2 (B/S): a browser is just another client.
pub mod http {
    use netlab_common::{DemoResult, Narrator};

    /// Chapter 2's demo, run by the tour.
    pub fn demo(narrator: &Narrator) -> DemoResult {
        narrator.say("tcp-demo http: demo coming with its chapter issue");
        Ok(())
    }
}

/// Chapter 6: the socket methods, one by one.
pub mod sockinfo {
    use netlab_common::{DemoResult, Narrator};

    /// Chapter 6's demo, run by the tour.
    pub fn demo(narrator: &Narrator) -> DemoResult {
        narrator.say("tcp-demo sockinfo: demo coming with its chapter issue");
        Ok(())
    }
}
