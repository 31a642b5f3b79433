//! The connection loop: HTTP/1.1 and HTTP/2 over TCP, with limits that keep clients who send
//! nothing from taking the service off the air.
//!
//! - A connection must send a request's headers within `header_timeout` of opening or of its
//!   previous response, and a connection with no request in flight is closed after
//!   `idle_timeout`.
//! - At most `max_connections` are open. At the limit a new client is still served: the
//!   connection idle the longest is closed to make room. Only when every connection has a
//!   request in flight does a new one wait (those requests end within the request timeout).
//! - On shutdown no new connection is taken, idle ones are closed, and requests in flight are
//!   finished: every acknowledged write is committed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// The connection limits (docs/api.md).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

/// What the loop knows of one connection.
struct Tracked {
    /// Requests being answered now.
    in_flight: u32,
    /// Since when it has had no request in flight.
    idle_since: Instant,
    /// Whether it has sent a request yet.
    served: bool,
    close: Arc<Notify>,
}

/// The open connections.
#[derive(Default)]
struct Registry {
    connections: Mutex<HashMap<u64, Tracked>>,
    /// Woken whenever a connection closes or becomes idle.
    changed: Notify,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Tracked>> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Room for one more connection: closes the connection idle the longest when at the limit.
    /// Returns false when every connection is busy.
    fn make_room(&self, max: usize) -> bool {
        let connections = self.lock();
        if connections.len() < max {
            return true;
        }
        let oldest = connections
            .values()
            .filter(|c| c.in_flight == 0)
            .min_by_key(|c| c.idle_since);
        match oldest {
            Some(idle) => {
                idle.close.notify_one();
                true
            }
            None => false,
        }
    }

    fn open(&self, id: u64, close: Arc<Notify>) {
        self.lock().insert(
            id,
            Tracked {
                in_flight: 0,
                idle_since: Instant::now(),
                served: false,
                close,
            },
        );
    }

    fn closed(&self, id: u64) {
        self.lock().remove(&id);
        self.changed.notify_waiters();
    }

    fn request_started(&self, id: u64) {
        if let Some(c) = self.lock().get_mut(&id) {
            c.in_flight += 1;
            c.served = true;
        }
    }

    fn request_ended(&self, id: u64) {
        if let Some(c) = self.lock().get_mut(&id) {
            c.in_flight = c.in_flight.saturating_sub(1);
            if c.in_flight == 0 {
                c.idle_since = Instant::now();
                self.changed.notify_waiters();
            }
        }
    }

    /// How long the connection has been idle, if it is, and whether it ever sent a request.
    fn idle_for(&self, id: u64) -> Option<(Duration, bool)> {
        self.lock()
            .get(&id)
            .filter(|c| c.in_flight == 0)
            .map(|c| (c.idle_since.elapsed(), c.served))
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    fn close_all(&self) {
        for c in self.lock().values() {
            c.close.notify_one();
        }
    }
}

/// The router as a service that counts the requests of its connection.
#[derive(Clone)]
struct Counted {
    router: Router,
    registry: Arc<Registry>,
    id: u64,
}

impl tower::Service<hyper::Request<Incoming>> for Counted {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send + 'static>,
    >;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: hyper::Request<Incoming>) -> Self::Future {
        use tower::ServiceExt;
        self.registry.request_started(self.id);
        let guard = RequestGuard {
            registry: Arc::clone(&self.registry),
            id: self.id,
        };
        let router = self.router.clone();
        Box::pin(async move {
            let response = router.oneshot(request.map(Body::new)).await;
            drop(guard);
            response
        })
    }
}

/// Marks the request ended however its future ends (answered, or dropped with the connection).
struct RequestGuard {
    registry: Arc<Registry>,
    id: u64,
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.registry.request_ended(self.id);
    }
}

static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the limit with every connection busy, wait for one to finish or idle.
        while !registry.make_room(limits.max_connections.max(1)) {
            tokio::select! {
                _ = registry.changed.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = &mut shutdown => return finish(&registry, &stop_tx).await,
            }
        }
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, and keep serving those open.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => return finish(&registry, &stop_tx).await,
        };
        let _ = stream.set_nodelay(true);
        let id = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        registry.open(id, Arc::clone(&close));
        let service = Counted {
            router: router.clone(),
            registry: Arc::clone(&registry),
            id,
        };
        tokio::spawn(connection(
            TokioIo::new(stream),
            service,
            limits,
            close,
            stop_rx.clone(),
        ));
    }
}

/// Stops taking connections, closes the idle ones and waits (bounded) for the rest.
async fn finish(registry: &Registry, stop: &watch::Sender<bool>) -> std::io::Result<()> {
    let _ = stop.send(true);
    registry.close_all();
    let deadline = Instant::now() + Duration::from_secs(30);
    while registry.len() > 0 && Instant::now() < deadline {
        tokio::select! {
            _ = registry.changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
    Ok(())
}

/// One connection, until it ends, is shed, goes idle too long or the service stops.
async fn connection(
    io: TokioIo<tokio::net::TcpStream>,
    service: Counted,
    limits: ConnectionLimits,
    close: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let registry = Arc::clone(&service.registry);
    let id = service.id;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let conn = builder.serve_connection_with_upgrades(io, TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    let check =
        (limits.idle_timeout.min(limits.header_timeout) / 4).max(Duration::from_millis(100));
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("connection {id}: {e}");
                }
                break;
            }
            _ = close.notified(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = stop.changed(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep(check), if !closing => {
                // A connection that never sent a request has `header_timeout` to do so (hyper
                // times the headers only once it knows the protocol); one that did, after its
                // last response, `idle_timeout`.
                let too_long = registry.idle_for(id).is_some_and(|(idle, served)| {
                    idle >= if served { limits.idle_timeout } else { limits.header_timeout }
                });
                if too_long {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
    registry.closed(id);
}
