use clap::Parser;

/// tcp-demo — a netlab lesson.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    let _ = tcp_demo::demo(&netlab_common::Narrator::stdout());
}
