//! Printable PDFs (placeholder while being written).
