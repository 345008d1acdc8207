//! Times bcrypt verifies at a given cost on this machine, for the benchmark's bcrypt ceiling
//! (cores ÷ the time of one verify): `cargo run --release -p server --example bcrypt_verify -- 8 40`
//! prints the median seconds of 40 sequential verifies at cost 8. A third argument runs that many
//! threads at once (`-- 8 40 2`): the median verify time when every core is busy, as under load,
//! where shared caches and a host's other tenants can make each verify slower than a lone one.

fn main() {
    let mut args = std::env::args().skip(1);
    let cost: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1).max(1);
    let hash = bcrypt::hash("benchmark-password", cost).expect("hash");
    let mut times: Vec<f64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(|| time_verifies(&hash, rounds))).collect();
        workers.into_iter().flat_map(|worker| worker.join().expect("verify thread")).collect()
    });
    times.sort_by(f64::total_cmp);
    println!("{:.6}", times[times.len() / 2]);
}

fn time_verifies(hash: &str, rounds: usize) -> Vec<f64> {
    (0..rounds)
        .map(|_| {
            let start = std::time::Instant::now();
            assert!(bcrypt::verify("benchmark-password", hash).expect("verify"));
            start.elapsed().as_secs_f64()
        })
        .collect()
}
