//! Printing many documents at once (every candidate's paper of an event, every score report):
//! a fixed number of worker threads take the next job from a shared counter, so a slow
//! document never leaves a worker idle while another has a queue.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `job` over every item on `workers` threads (at least 1) and returns the results in the
/// order of `items`. `job` may report progress itself (e.g. a progress bar's `inc`).
pub fn in_parallel<T: Sync, R: Send>(items: &[T], workers: usize, job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    mine.push((i, job(item)));
                }
                done.lock().expect("batch results lock").extend(mine);
            });
        }
    });
    let mut done = done.into_inner().expect("batch results lock");
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The number of workers to use by default: two (the print room's machines and CI have two
/// cores), or fewer on a one-core machine.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_from_any_number_of_workers() {
        let items: Vec<u32> = (0..100).collect();
        for w in [0, 1, 2, 7, 500] {
            let got = in_parallel(&items, w, |x| x * 2);
            assert_eq!(got, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
        assert!(in_parallel(&[] as &[u32], 2, |x| *x).is_empty());
    }
}
