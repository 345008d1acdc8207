//! Times one bcrypt verify at a given cost on this machine, for the benchmark's bcrypt ceiling
//! (cores ÷ the time of one verify): `cargo run --release -p server --example bcrypt_verify -- 8 40`
//! prints the median seconds of 40 sequential verifies at cost 8.

fn main() {
    let mut args = std::env::args().skip(1);
    let cost: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let hash = bcrypt::hash("benchmark-password", cost).expect("hash");
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = std::time::Instant::now();
            assert!(bcrypt::verify("benchmark-password", &hash).expect("verify"));
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{:.6}", times[times.len() / 2]);
}
