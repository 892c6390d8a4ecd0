use clap::Parser;

/// time-sync — a netlab lesson.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let _ = time_sync::demo(&netlab_common::Narrator::stdout());
}
