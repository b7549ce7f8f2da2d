//! The server under test: `jiceng serve` on one database, started again after every SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Where the clients send their requests: `None` while the server is down.
pub type Base = Arc<Mutex<Option<String>>>;

pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data: PathBuf,
    log: PathBuf,
    pub base: Base,
    /// How long each start took, until the address was printed.
    pub starts: Vec<Duration>,
}

impl Server {
    pub fn new(url: &str, data: &Path) -> Self {
        std::fs::create_dir_all(data).unwrap();
        Self {
            child: None,
            url: url.to_owned(),
            data: data.to_owned(),
            log: data.join("server.log"),
            base: Arc::new(Mutex::new(None)),
            starts: Vec::new(),
        }
    }

    /// Starts the server and publishes its address once it prints it.
    pub fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiceng"));
        for (k, _) in std::env::vars() {
            if k.starts_with("JICENG_") {
                cmd.env_remove(k);
            }
        }
        let started = Instant::now();
        let mut child = cmd
            .args(["serve", "--insecure-cookies", "--listen", "127.0.0.1:0"])
            .args(["--database-url", &self.url, "--data-dir"])
            .arg(&self.data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Reads the address, then drains the pipe so that the server never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(i) = line.find("http://") {
                    let _ = tx.send(line[i..].trim().to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no address printed; log:\n{}", self.log_tail()));
        self.starts.push(started.elapsed());
        self.child = Some(child);
        *self.base.lock().unwrap() = Some(base);
    }

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut off.
    pub fn kill(&mut self) {
        *self.base.lock().unwrap() = None;
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// The running server's process id, for the load benchmark's memory samples.
    #[allow(dead_code)] // this test does not read it
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
