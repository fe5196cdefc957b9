//! The platform pieces for running the session service natively (a server, a CLI): an HTTP
//! [`Transport`] over blocking `ureq`, a [`Clock`] over `std`, and [`block_on`].
//!
//! Both block the calling thread inside `poll` (the request, the sleep between receipt polls), so
//! every future of [`crate::service::Sessions`] built on them finishes on its first poll and
//! [`block_on`] is all a synchronous server needs:
//!
//! ```no_run
//! use mav2_session_keys::native::{block_on, HttpTransport, SystemClock};
//! use mav2_session_keys::send::{SendConfig, Sender};
//!
//! let sender = Sender::new(HttpTransport::new("http://127.0.0.1:4337"), SystemClock, SendConfig::default())
//!     .with_node(HttpTransport::new("http://127.0.0.1:8545"));
//! let chain_id = block_on(sender.ready()).expect("bundler reachable");
//! ```
//!
//! Inside an async runtime, call the service from a blocking thread (e.g. tokio's
//! `spawn_blocking`): these futures never yield, so they would hold an executor thread. The
//! memory store and vault are single-threaded (`RefCell`): keep one `Sessions` per thread.
//!
//! `ureq` is built without TLS: plain `http` URLs (a local node, a bundler behind a local proxy).
//! For `https`, the application enables one of ureq's TLS features in its own `Cargo.toml`.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::rpc::{Clock, Transport};

/// Default request timeout of [`HttpTransport::new`].
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Longest part of a non-2xx body kept in [`Error::Http`].
const HTTP_BODY_PREFIX: usize = 200;

/// One JSON-RPC endpoint over blocking HTTP POST. Cloning shares the connection pool.
#[derive(Clone)]
pub struct HttpTransport {
    url: String,
    agent: ureq::Agent,
    timeout_ms: u64,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTransport").field("url", &self.url).field("timeout_ms", &self.timeout_ms).finish()
    }
}

impl HttpTransport {
    /// POST to `url`, each request (connect to last body byte) bounded by [`DEFAULT_TIMEOUT_MS`].
    pub fn new(url: &str) -> Self {
        Self::with_timeout(url, DEFAULT_TIMEOUT_MS)
    }

    /// The same with another timeout per request.
    pub fn with_timeout(url: &str, timeout_ms: u64) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(timeout_ms)))
            // Statuses become `Error::Http` here, with the start of the body.
            .http_status_as_error(false)
            .build()
            .into();
        Self { url: url.to_string(), agent, timeout_ms }
    }

    fn error(&self, e: ureq::Error) -> Error {
        match e {
            ureq::Error::Timeout(_) => Error::Timeout { url: self.url.clone(), timeout_ms: self.timeout_ms },
            e => Error::Network { url: self.url.clone(), detail: e.to_string() },
        }
    }
}

impl Transport for HttpTransport {
    async fn post(&self, body: String) -> Result<String> {
        let mut res = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.as_str())
            .map_err(|e| self.error(e))?;
        let status = res.status().as_u16();
        // ureq bounds the body (10 MB) so a hostile server cannot exhaust memory.
        let text = res.body_mut().read_to_string().map_err(|e| self.error(e))?;
        if !(200..300).contains(&status) {
            return Err(Error::Http {
                url: self.url.clone(),
                status,
                body: text.chars().take(HTTP_BODY_PREFIX).collect(),
            });
        }
        Ok(text)
    }

    fn url(&self) -> &str {
        &self.url
    }
}

/// Wall-clock time and `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        // A clock set before 1970 reads as 0 (every session then looks not yet valid) rather than panicking.
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    async fn sleep(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Wakes the thread that runs [`block_on`].
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Run `f` to completion on this thread. With [`HttpTransport`] and [`SystemClock`] it finishes on
/// the first poll; a future that does return `Pending` parks the thread until it is woken.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_waits_for_a_wake_from_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let woken = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = woken.clone();
        let t = std::thread::spawn(move || {
            let w = rx.recv().unwrap();
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            w.wake();
        });
        let mut sent = false;
        let v = block_on(std::future::poll_fn(|cx| {
            if woken.load(std::sync::atomic::Ordering::SeqCst) {
                return Poll::Ready(7);
            }
            if !sent {
                tx.send(cx.waker().clone()).unwrap();
                sent = true;
            }
            Poll::Pending
        }));
        assert_eq!(v, 7);
        t.join().unwrap();
    }

    #[test]
    fn unreachable_server_is_a_network_error_and_a_clock_reads_now() {
        // Port 9 (discard) has no listener on a test machine.
        let e = block_on(HttpTransport::with_timeout("http://127.0.0.1:9", 2_000).post("{}".into())).unwrap_err();
        assert_eq!(e.code(), "NETWORK_ERROR", "{e:?}");
        assert!(SystemClock.now_ms() > 1_600_000_000_000);
    }

    #[test]
    fn statuses_and_timeouts_keep_their_codes() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            // First connection: a 503 with a body; second: read the request and never answer.
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "x".repeat(500);
            write!(
                s,
                "HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            drop(s);
            let (mut s, _) = listener.accept().unwrap();
            let _ = s.read(&mut buf);
            std::thread::sleep(Duration::from_millis(800));
        });
        let e = block_on(HttpTransport::new(&url).post("{}".into())).unwrap_err();
        assert!(matches!(&e, Error::Http { status: 503, body, .. } if body.len() == HTTP_BODY_PREFIX), "{e:?}");
        let e = block_on(HttpTransport::with_timeout(&url, 300).post("{}".into())).unwrap_err();
        assert!(matches!(&e, Error::Timeout { timeout_ms: 300, .. }), "{e:?}");
        server.join().unwrap();
    }
}
