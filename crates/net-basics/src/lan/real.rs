//! `--real` (coming)
