//! Item analysis (classical test theory) over a response matrix. Being written.
