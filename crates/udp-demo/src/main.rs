use clap::Parser;

/// udp-demo — a netlab lesson.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let _ = udp_demo::demo(&netlab_common::Narrator::stdout());
}
