//! Criterion benchmarks of filtering (see docs/performance.md for the table
//! that `cargo run --release --example bench_table` prints):
//!
//! ```sh
//! cargo bench --bench scale -- --quick
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use uo_aws_tui::app::App;
use uo_aws_tui::keymap::Action;
use uo_aws_tui::search::Searcher;
use uo_aws_tui::sim::org_catalog;

const QUERY: &str = "research admin";

fn typing(c: &mut Criterion) {
    let mut group = c.benchmark_group("type a query");
    for rows in [1_000, 15_000, 50_000] {
        let catalog = org_catalog(rows);
        let mut app = App::new("uoregon", "us-west-2", "");
        app.restore_catalog(catalog.clone(), false);
        group.bench_with_input(BenchmarkId::new("picker", rows), &rows, |b, _| {
            b.iter(|| {
                app.update(Action::ClearQuery);
                for ch in QUERY.chars() {
                    app.update(Action::Insert(ch));
                }
                app.match_count()
            })
        });
        let searcher = Searcher::default();
        group.bench_with_input(BenchmarkId::new("full re-rank", rows), &rows, |b, _| {
            b.iter(|| {
                let mut typed = String::new();
                let mut n = 0;
                for ch in QUERY.chars() {
                    typed.push(ch);
                    n += searcher.rank(&typed, catalog.rows()).len();
                }
                n
            })
        });
    }
    group.finish();
}

criterion_group!(benches, typing);
criterion_main!(benches);
