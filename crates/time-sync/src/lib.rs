//! time-sync (skeleton; the chapter issue fills it in).

use netlab_common::{DemoResult, Narrator};

/// The chapter's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.say("time-sync: demo coming with its chapter issue");
    Ok(())
}
