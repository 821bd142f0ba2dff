//! A webhook receiver on loopback, and a configuration that points webhooks at receivers: for
//! the tests of notifications and of the counts every output gives.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a receiver answers its n-th request.
#[derive(Clone, Copy)]
pub enum Answer {
    Ok,
    /// 500 to the first request, 200 after.
    FailOnce,
    /// Reads the request and never answers.
    Hang,
}

/// A webhook receiver on loopback: every request body it got, in order.
pub struct Receiver {
    pub url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    pub fn start(answer: Answer) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = bodies.clone();
        std::thread::spawn(move || {
            let mut requests = 0;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                requests += 1;
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                let status = match answer {
                    Answer::Hang => {
                        // Keep the connection open, unanswered, until the client gives up.
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_secs(120));
                            drop(stream);
                        });
                        continue;
                    }
                    Answer::FailOnce if requests == 1 => "500 Internal Server Error",
                    _ => "200 OK",
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        Receiver {
            // The path stands for a Slack webhook's secret part: it must appear in no log.
            url: format!("http://127.0.0.1:{port}/services/T0/B0/SECRETWEBHOOKTOKEN"),
            bodies,
        }
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// A configuration file: the defaults plus these webhooks.
pub fn config_with(dir: &std::path::Path, webhooks: &str) -> String {
    let base =
        std::fs::read_to_string(mfa_testkit::repo_root().join("config/default.toml")).unwrap();
    let path = dir.join("notify.toml");
    std::fs::write(
        &path,
        format!("{base}\n[notify]\ntimeout_seconds = 2\ntotal_seconds = 6\n\n{webhooks}"),
    )
    .unwrap();
    path.display().to_string()
}
