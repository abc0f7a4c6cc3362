//! Print benchmark: 1,000 personal papers (试卷 booklets) of a synthetic event, each candidate
//! with their own seed on the demo bank, on 2 worker threads — what `kaowu print event` does
//! after reading the database (no database here).
//!
//! ```text
//! cargo bench -p kaowu --bench print
//! cargo bench -p kaowu --bench print -- --papers 200 --threads 1
//! ```
//!
//! Assembly of the papers is timed and reported separately; the measured figure is building the
//! 1,000 booklets (layout, font subsetting, PDF serialisation) in memory. Reports papers per
//! second and the minimum, mean and maximum PDF size.

use std::time::Instant;

use kaowu::print::{BookletOptions, batch, booklet};
use question_bank::{Blueprint, assemble};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse().unwrap_or_else(|_| panic!("{name} takes a number"))
        })
}

fn main() {
    let papers = arg("--papers", 1000);
    let threads = arg("--threads", 2);
    let bank = kaowu::exam::demo::bank();
    let blueprint = Blueprint::cmq_2010();

    let t = Instant::now();
    let assembled: Vec<_> = (1..=papers as u64)
        .map(|seed| {
            assemble(&bank, &blueprint, seed, 1)
                .expect("the demo bank assembles")
                .papers
                .remove(0)
        })
        .collect();
    let assembly = t.elapsed();
    println!(
        "assembly: {papers} papers in {:.2} s ({:.0} papers/s, not part of the figure)",
        assembly.as_secs_f64(),
        papers as f64 / assembly.as_secs_f64()
    );

    // Each document parses the shipped font afresh (see print::with_font): its share of a paper.
    let t = Instant::now();
    for _ in 0..5 {
        kaowu::print::font::PrintFont::embedded().expect("the shipped font parses");
    }
    println!(
        "font: parsing the shipped font takes {:.1} ms per document",
        t.elapsed().as_secs_f64() * 1000.0 / 5.0
    );

    let options = BookletOptions {
        date: Some("2026 年 6 月 13 日".into()),
        ..BookletOptions::default()
    };
    let t = Instant::now();
    let printed = batch::in_parallel(&assembled, threads, |paper| {
        let p = booklet(paper, &blueprint, &options).expect("the demo paper prints");
        assert!(p.notice.is_none(), "the shipped font covers the demo bank");
        (p.pdf.len(), p.pages)
    });
    let secs = t.elapsed().as_secs_f64();
    let sizes: Vec<usize> = printed.iter().map(|(s, _)| *s).collect();
    let pages: usize = printed.iter().map(|(_, p)| *p).sum();
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
    println!(
        "print: {papers} booklets on {threads} threads in {secs:.2} s = {:.1} papers/s ({:.1} ms per paper per thread)",
        papers as f64 / secs,
        secs * 1000.0 * threads as f64 / papers as f64
    );
    println!(
        "pages: {pages} in all, {:.1} per booklet; PDF size min {:.1} KB, mean {:.1} KB, max {:.1} KB, total {:.1} MB",
        pages as f64 / papers as f64,
        *min as f64 / 1024.0,
        mean / 1024.0,
        *max as f64 / 1024.0,
        sizes.iter().sum::<usize>() as f64 / 1_048_576.0
    );
}
