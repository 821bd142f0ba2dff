//! A PostgreSQL cluster of one test's own, on loopback, started and stopped by the test: to take
//! the database away mid-sweep, or to present a certificate from a certificate authority of the
//! test's own (TLS).

use crate::{unique, TestCa};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A PostgreSQL cluster of one test's own, which the test may stop and start again: the shared
/// server must stay up for the tests running beside it. Uses the server binaries as
/// `scripts/lib.sh` does (trust auth, loopback only); as root it runs them as the `postgres`
/// user, since `initdb` refuses root.
#[derive(Debug)]
pub struct PostgresCluster {
    dir: PathBuf,
    bindir: PathBuf,
    pub port: u16,
    as_postgres: bool,
    /// Server settings beyond the defaults (`-c name=value ...`): TLS, for one.
    settings: String,
}

impl PostgresCluster {
    pub fn start() -> PostgresCluster {
        PostgresCluster::start_with(|_| String::new())
    }

    /// A cluster that offers TLS with a certificate `ca` issues for `dns_names` (connections
    /// without TLS are accepted too, as on a server of one's own).
    pub fn start_tls(ca: &TestCa, dns_names: &[&str]) -> PostgresCluster {
        PostgresCluster::start_with(|cluster| {
            let issued = ca.issue(dns_names, &cluster.dir);
            cluster.give_to_server(&[&issued.certificate, &issued.key]);
            format!(
                "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                issued.certificate.display(),
                issued.key.display()
            )
        })
    }

    /// Creates, configures (`settings` gives the server settings, once the cluster's directory
    /// exists) and starts a cluster.
    fn start_with(settings: impl FnOnce(&PostgresCluster) -> String) -> PostgresCluster {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                let mut dirs: Vec<PathBuf> = versions
                    .filter_map(|v| v.ok().map(|v| v.path().join("bin")))
                    .filter(|bin| bin.join("initdb").exists())
                    .collect();
                dirs.sort();
                dirs.pop()
            })
            .expect("PostgreSQL server binaries not found (apt-get install postgresql)");
        let uid = Command::new("id").arg("-u").output().unwrap();
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir = std::env::temp_dir().join(unique("mfa-auditor-pg"));
        std::fs::create_dir_all(&dir).unwrap();
        if as_postgres {
            let chown = Command::new("chown")
                .arg("postgres")
                .arg(&dir)
                .status()
                .unwrap();
            assert!(chown.success(), "chown postgres {}", dir.display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cluster = PostgresCluster {
            dir,
            bindir,
            port,
            as_postgres,
            settings: String::new(),
        };
        cluster.settings = settings(&cluster);
        let data = cluster.dir.join("data");
        cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        cluster.start_server();
        let created = Command::new(cluster.bindir.join("createdb"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
            .arg("mfa_auditor")
            .status()
            .unwrap();
        assert!(created.success(), "createdb");
        cluster
    }

    pub fn url(&self) -> String {
        self.url_at("127.0.0.1")
    }

    /// The URL by another name of the host (`localhost`: the name a test certificate carries).
    pub fn url_at(&self, host: &str) -> String {
        format!("postgres://postgres@{host}:{}/mfa_auditor", self.port)
    }

    /// Stops the server as a service stop does (`pg_ctl stop -m fast`): clients are
    /// disconnected, new connections refused.
    pub fn stop(&self) {
        let data = self.dir.join("data").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    /// Starts the stopped server again, on the same port with the same data.
    pub fn start_server(&self) {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("server.log").display().to_string();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off {}",
            self.port,
            self.dir.display(),
            self.settings
        );
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-w", "-t", "60", "-o", &options, "start",
            ],
        );
    }

    /// A server binary, as the `postgres` user when running as root.
    fn command(&self, program: &str) -> Command {
        let program = self.bindir.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        }
    }

    /// Files the server reads, made its own and private: PostgreSQL refuses a key that its user
    /// does not own or that others may read.
    fn give_to_server(&self, files: &[&Path]) {
        use std::os::unix::fs::PermissionsExt;
        for file in files {
            if self.as_postgres {
                let chown = Command::new("chown")
                    .arg("postgres")
                    .arg(file)
                    .status()
                    .unwrap();
                assert!(chown.success(), "chown postgres {}", file.display());
            }
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self.command(program).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for PostgresCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
