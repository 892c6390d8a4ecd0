//! The `auth server` and `auth client` programs.
