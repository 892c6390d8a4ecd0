use clap::Parser;

/// net-basics — a netlab lesson.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let _ = net_basics::demo(&netlab_common::Narrator::stdout());
}
