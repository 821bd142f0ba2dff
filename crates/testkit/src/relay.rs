//! A TCP relay a test takes down and brings back, to play a database restart.

use std::net::TcpStream;
use std::sync::atomic::Ordering;

/// A TCP relay on loopback in front of a server, which a test takes down and brings back. Seen
/// from the client, `down` is the server stopping (open connections reset, new ones refused
/// at once) and `up` is it starting again, without disturbing other tests that share the
/// server.
#[derive(Debug)]
pub struct TcpRelay {
    pub port: u16,
    state: std::sync::Arc<RelayState>,
}

#[derive(Debug)]
struct RelayState {
    up: std::sync::atomic::AtomicBool,
    open: std::sync::Mutex<Vec<TcpStream>>,
}

impl TcpRelay {
    /// Relays a free loopback port to `target` (`host:port`).
    pub fn start(target: &str) -> TcpRelay {
        use std::sync::atomic::AtomicBool;
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(RelayState {
            up: AtomicBool::new(true),
            open: Mutex::new(Vec::new()),
        });
        let relay_state = state.clone();
        let target = target.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !relay_state.up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut open = relay_state.open.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                drop(open);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        TcpRelay { port, state }
    }

    /// Resets every open connection and refuses new ones until [`TcpRelay::up`].
    pub fn down(&self) {
        self.state.up.store(false, Ordering::SeqCst);
        for stream in self.state.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn up(&self) {
        self.state.up.store(true, Ordering::SeqCst);
    }

    /// `url` (a `postgres://` URL) with its host and port replaced by this relay's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority
            .rsplit_once('@')
            .map(|(user, _)| format!("{user}@"))
            .unwrap_or_default();
        format!("{scheme}://{user}127.0.0.1:{}/{path}", self.port)
    }

    /// `host:port` of a `postgres://` URL, for [`TcpRelay::start`].
    pub fn target_of(url: &str) -> String {
        let rest = url.split_once("://").unwrap().1;
        let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host_port.contains(':') {
            host_port.to_string()
        } else {
            format!("{host_port}:5432")
        }
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.down();
    }
}
