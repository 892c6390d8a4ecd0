use netlab_common::{DemoResult, Narrator};

/// Chapter 7's demo, run by the tour.
pub fn demo(narrator: &Narrator) -> DemoResult {
    narrator.say("auth: demo coming soon");
    Ok(())
}
