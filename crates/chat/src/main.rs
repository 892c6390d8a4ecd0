use clap::Parser;

/// chat — a netlab lesson.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let _ = chat::demo(&netlab_common::Narrator::stdout());
}
