//! Text logs carry names from AWS in their fields (an account's OU path, an error's message),
//! and tracing-subscriber escapes only a few control characters, only in an event's message.
//! This writer shows every control character of an event escaped (`mfa_report::terminal`),
//! keeping only the newline that ends it: one event, one line, nothing a terminal obeys.

use mfa_report::terminal::escape;
use std::io::{self, Write};
use tracing_subscriber::fmt::MakeWriter;

/// Makes [`EscapedEvent`] writers from `M`'s.
#[derive(Debug)]
pub struct EscapeControls<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapeControls<M> {
    type Writer = EscapedEvent<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapedEvent(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        EscapedEvent(self.0.make_writer_for(meta))
    }
}

/// Writes what it is given escaped. tracing-subscriber formats an event whole and writes it with
/// one `write_all`, so each `write` here is one event, ending in its newline.
#[derive(Debug)]
pub struct EscapedEvent<W>(W);

impl<W: Write> Write for EscapedEvent<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (event, end) = match text.strip_suffix('\n') {
            Some(event) => (event, "\n"),
            None => (&*text, ""),
        };
        // One write: events from other threads never land inside this one.
        let mut shown = escape(event).into_owned();
        shown.push_str(end);
        self.0.write_all(shown.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_report::terminal::must_escape;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// An OU name as AWS allows one: it clears the screen, retitles the terminal, rings the bell
    /// and starts a line of its own.
    const HOSTILE_OU: &str = "Prod\u{1b}[2J\u{1b}]0;pwned\u{7}\nFAKE: all accounts PASSED\r";

    #[test]
    fn every_event_is_one_line_with_its_fields_and_spans_escaped() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(EscapeControls(move || sink.clone()))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("account", ou_path = %format!("Root/{HOSTILE_OU}"));
            let _entered = span.enter();
            tracing::warn!(code = %"Denied\r\nFAKE: field", "not assessed: {}", "\u{9b}31m\u{202e}x");
            tracing::info!("second");
        });
        let bytes = captured.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let logs = String::from_utf8(bytes).unwrap_or_default();
        let raw: Vec<char> = logs
            .chars()
            .filter(|&c| c != '\n' && must_escape(c))
            .collect();
        assert_eq!(raw, Vec::<char>::new(), "{logs}");
        assert_eq!(logs.lines().count(), 2, "{logs}");
        assert!(logs.ends_with("second\n"), "{logs}");
        for shown in [
            "ou_path=Root/Prod\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nFAKE: all accounts PASSED\\r",
            "not assessed: \\u{9b}31m\\u{202e}x code=Denied\\r\\nFAKE: field",
        ] {
            assert!(logs.contains(shown), "{shown}\n{logs}");
        }
    }
}
