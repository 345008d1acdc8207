//! A real SMTP server for a test: `smtp_sink.py` (aiosmtpd) on a free port, writing each accepted
//! mail as a JSON file the test reads. It can be stopped and started again on the same port, to
//! test what the outbox does while the mail server is down.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// One accepted mail, its parts decoded.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl Received {
    /// The first address in the text part starting with `prefix` (a link in the mail).
    pub fn link(&self, prefix: &str) -> String {
        let start = self.text.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {}", self.text));
        self.text[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// The `token` parameter of the first link starting with `prefix`.
    pub fn token(&self, prefix: &str) -> String {
        self.link(prefix).split("token=").nth(1).expect("a token in the link").to_owned()
    }
}

/// The running (or stopped) server.
pub struct Smtp {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// The Python that has aiosmtpd: `SMTP_SINK_PYTHON`, else the project's `tools/.venv`.
fn python() -> String {
    std::env::var("SMTP_SINK_PYTHON").unwrap_or_else(|_| {
        let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/.venv/bin/python");
        if std::path::Path::new(venv).exists() { venv.to_owned() } else { "python3".to_owned() }
    })
}

impl Smtp {
    /// Starts a server on a free port.
    pub async fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("rust-auth-smtp-{}-{port}", std::process::id()));
        let mut smtp = Smtp { port, dir, child: None };
        smtp.resume().await;
        smtp
    }

    /// `SMTP_URL` for it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops it: connections are refused until [`resume`](Self::resume).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it (again) on the same port and waits until it accepts connections.
    pub async fn resume(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let child = Command::new(python())
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (tools/requirements.txt) must be installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every mail accepted so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
        files.sort();
        files.iter().map(|path| serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()).collect()
    }

    /// Mails to `address`, waiting up to 15 s for at least `count` of them.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mails: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
                .collect();
            if mails.len() >= count || Instant::now() > deadline {
                assert!(
                    mails.len() >= count,
                    "{} mail(s) to {address} after 15 s, wanted {count}",
                    mails.len()
                );
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
