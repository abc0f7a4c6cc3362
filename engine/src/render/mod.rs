//! Papers rendered for people: plain text for the terminal (PDF and HTML live with their users).

pub mod text;
