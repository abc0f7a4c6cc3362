//! XML tree.
