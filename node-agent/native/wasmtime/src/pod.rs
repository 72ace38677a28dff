// One container: a command (a preview-1 module's _start, a component's
// wasi:cli/run) run once, or a wasi:http component served on podIP:port with a
// fresh instance per request, hyper in front. Either way a single tokio task
// whose end is the container's exit status.
use crate::cri_log::CriLog;
use crate::engine::{Compiled, InvalidImage, NodeEngine};
use crate::host::{p1_host, p2_host, GuestSpec, P2Host};
use crate::limits::{meter_cpu, CpuPolicy, PodMeter, Stopped};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use wasmtime::Store;
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listen {
    pub host: String,
    pub port: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartConfig {
    pub path: String,
    pub digest: String,
    pub log_path: String,
    pub guest: GuestSpec,
    pub listen: Option<Listen>,
    pub cpu_limit_millis: Option<u32>,
    pub cpu_runaway_window_ms: u64,
    pub request_timeout_ms: u64,
    /// Serve requests from kept instances instead of a fresh one each (benchmarks; state leaks across requests).
    #[serde(default)]
    pub reuse_instances: bool,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ExitStatus {
    pub exit_code: i32,
    pub reason: &'static str,
    pub signal: Option<&'static str>,
    pub message: Option<String>,
}

/// Why start() refused, as RuntimeErrorCode in runtime.ts.
pub enum StartError {
    InvalidImage(String),
    StartFailed(String),
}

pub struct Pod {
    pub meter: Arc<PodMeter>,
    exit: watch::Receiver<Option<ExitStatus>>,
    graceful: Notify,
    abort: Mutex<Option<tokio::task::AbortHandle>>,
    engine: Arc<NodeEngine>,
}

const TRAP_EXIT_CODE: i32 = 134;
const KILLED_EXIT_CODE: i32 = 137;

impl Pod {
    pub async fn start(engine: Arc<NodeEngine>, config: StartConfig) -> Result<Arc<Pod>, StartError> {
        let compiled = engine.load(&config.path, &config.digest).await.map_err(|e| match e.downcast_ref::<InvalidImage>() {
            Some(InvalidImage(message)) => StartError::InvalidImage(message.clone()),
            None => StartError::StartFailed(format!("{e:#}")),
        })?;
        let log = CriLog::open(&config.log_path).map_err(|e| StartError::StartFailed(format!("cannot open {}: {e}", config.log_path)))?;
        let log = Arc::new(Mutex::new(log));
        let meter = Arc::new(PodMeter::default());
        let policy = CpuPolicy {
            tick: engine.tick,
            limit_millis: config.cpu_limit_millis,
            runaway_window_ms: config.cpu_runaway_window_ms,
        };
        let memory_limit = config.guest.memory_limit_bytes;
        let (exit_tx, exit) = watch::channel(None);
        let pod = Arc::new(Pod { meter: meter.clone(), exit, graceful: Notify::new(), abort: Mutex::new(None), engine: engine.clone() });

        let work: std::pin::Pin<Box<dyn std::future::Future<Output = wasmtime::Result<i32>> + Send>> = match &*compiled {
            Compiled::Module { .. } => Box::pin(run_module(engine.clone(), compiled.clone(), config.guest, log.clone(), meter.clone(), policy)),
            Compiled::Component { pre, .. } => {
                if let (Ok(proxy), Some(listen)) = (ProxyPre::new(pre.clone()), &config.listen) {
                    let address = format!("{}:{}", listen.host, listen.port);
                    let listener = TcpListener::bind(&address)
                        .await
                        .map_err(|e| StartError::StartFailed(format!("cannot listen on {address}: {e}")))?;
                    let server = Arc::new(Server {
                        engine: engine.clone(),
                        proxy,
                        guest: config.guest,
                        log: log.clone(),
                        meter: meter.clone(),
                        policy,
                        timeout: Duration::from_millis(config.request_timeout_ms),
                        reuse: config.reuse_instances.then(|| Mutex::new(Vec::new())),
                    });
                    Box::pin(serve(server, listener, pod.clone()))
                } else if let Ok(command) = CommandPre::new(pre.clone()) {
                    Box::pin(run_component(engine.clone(), command, config.guest, log.clone(), meter.clone(), policy))
                } else if ProxyPre::new(pre.clone()).is_ok() {
                    return Err(StartError::InvalidImage("an HTTP component needs a TCP containerPort to serve on".into()));
                } else {
                    return Err(StartError::InvalidImage("the component exports neither wasi:cli/run nor wasi:http/incoming-handler".into()));
                }
            }
        };

        let task = engine.runtime.spawn(work);
        *pod.abort.lock().unwrap() = Some(task.abort_handle());
        let (meter_end, limit) = (meter.clone(), memory_limit);
        engine.runtime.spawn(async move {
            let status = match task.await {
                Ok(result) => outcome(result, &meter_end, limit),
                Err(_) => ExitStatus { exit_code: KILLED_EXIT_CODE, reason: "Error", signal: Some("SIGKILL"), message: Some("killed".into()) },
            };
            let _ = log.lock().unwrap().flush();
            let _ = exit_tx.send(Some(status));
        });
        Ok(pod)
    }

    pub async fn wait(&self) -> ExitStatus {
        let mut exit = self.exit.clone();
        let done = exit.wait_for(|s| s.is_some()).await;
        match done {
            Ok(status) => status.clone().unwrap(),
            Err(_) => ExitStatus { exit_code: KILLED_EXIT_CODE, reason: "Error", signal: None, message: Some("lost".into()) },
        }
    }

    pub fn exited(&self) -> bool {
        self.exit.borrow().is_some()
    }

    /// A server stops accepting and finishes what it serves; a command has no
    /// signal to get, so it runs on. Either is killed once the grace period ends.
    pub fn stop(self: &Arc<Self>, grace: Duration) {
        if grace.is_zero() {
            return self.kill();
        }
        self.graceful.notify_one();
        let pod = self.clone();
        self.engine.runtime.spawn(async move {
            if tokio::time::timeout(grace, pod.wait()).await.is_err() {
                pod.kill();
            }
        });
    }

    pub fn kill(&self) {
        self.meter.kill.store(true, Ordering::Relaxed);
        if let Some(abort) = self.abort.lock().unwrap().as_ref() {
            abort.abort();
        }
    }
}

fn outcome(result: wasmtime::Result<i32>, meter: &PodMeter, _limit: Option<usize>) -> ExitStatus {
    let completed = |code: i32| ExitStatus { exit_code: code, reason: if code == 0 { "Completed" } else { "Error" }, signal: None, message: None };
    let error = match result {
        Ok(code) => return completed(code),
        Err(e) => e,
    };
    if let Some(I32Exit(code)) = error.downcast_ref::<I32Exit>() {
        return completed(*code);
    }
    let message = format!("{error:?}");
    match error.downcast_ref::<Stopped>() {
        Some(stopped @ Stopped::CpuLimit { .. }) => {
            return ExitStatus { exit_code: KILLED_EXIT_CODE, reason: "CPULimitExceeded", signal: Some("SIGKILL"), message: Some(stopped.to_string()) }
        }
        Some(Stopped::Killed) => return ExitStatus { exit_code: KILLED_EXIT_CODE, reason: "Error", signal: Some("SIGKILL"), message: Some("killed".into()) },
        None => {}
    }
    // A refused memory.grow is invisible to the guest except as a failed allocation;
    // a guest that then dies died of it.
    if meter.memory_refused.load(Ordering::Relaxed) {
        return ExitStatus { exit_code: KILLED_EXIT_CODE, reason: "OOMKilled", signal: None, message: Some(format!("memory limit reached: {message}")) };
    }
    if error.downcast_ref::<wasmtime::Trap>().is_some() {
        return ExitStatus { exit_code: TRAP_EXIT_CODE, reason: "Error", signal: None, message: Some(format!("wasm trap: {message}")) };
    }
    ExitStatus { exit_code: 1, reason: "Error", signal: None, message: Some(message) }
}

async fn run_module(
    engine: Arc<NodeEngine>,
    compiled: Arc<Compiled>,
    guest: GuestSpec,
    log: Arc<Mutex<CriLog>>,
    meter: Arc<PodMeter>,
    policy: CpuPolicy,
) -> wasmtime::Result<i32> {
    let Compiled::Module { pre } = &*compiled else { unreachable!() };
    let mut store = Store::new(&engine.engine, p1_host(&guest, &log, &meter)?);
    store.limiter(|h| &mut h.limiter);
    meter_cpu(&mut store, policy, meter);
    let instance = pre.instantiate_async(&mut store).await?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    start.call_async(&mut store, ()).await?;
    Ok(0)
}

async fn run_component(
    engine: Arc<NodeEngine>,
    command: CommandPre<P2Host>,
    guest: GuestSpec,
    log: Arc<Mutex<CriLog>>,
    meter: Arc<PodMeter>,
    policy: CpuPolicy,
) -> wasmtime::Result<i32> {
    let mut store = Store::new(&engine.engine, p2_host(&guest, &log, &meter)?);
    store.limiter(|h| &mut h.limiter);
    meter_cpu(&mut store, policy, meter);
    let command = command.instantiate_async(&mut store).await?;
    Ok(match command.wasi_cli_run().call_run(&mut store).await? {
        Ok(()) => 0,
        Err(()) => 1,
    })
}

struct Server {
    engine: Arc<NodeEngine>,
    proxy: ProxyPre<P2Host>,
    guest: GuestSpec,
    log: Arc<Mutex<CriLog>>,
    meter: Arc<PodMeter>,
    policy: CpuPolicy,
    timeout: Duration,
    /// Instances kept between requests, when reusing.
    reuse: Option<Mutex<Vec<(Store<P2Host>, Proxy)>>>,
}

async fn serve(server: Arc<Server>, listener: TcpListener, pod: Arc<Pod>) -> wasmtime::Result<i32> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let server = server.clone();
                let service = hyper::service::service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(server.handle(request).await) }
                });
                let connection = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = pod.graceful.notified() => break,
        }
    }
    // Closed before draining, so new connections are refused from here on.
    drop(listener);
    graceful.shutdown().await;
    Ok(0)
}

impl Server {
    async fn handle_in_kept_instance(self: Arc<Self>, request: hyper::Request<hyper::body::Incoming>) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
        let kept = self.reuse.as_ref().unwrap().lock().unwrap().pop();
        let (mut store, proxy) = match kept {
            Some(kept) => kept,
            None => {
                let mut store = Store::new(&self.engine.engine, p2_host(&self.guest, &self.log, &self.meter)?);
                store.limiter(|h| &mut h.limiter);
                meter_cpu(&mut store, self.policy, self.meter.clone());
                let proxy = self.proxy.instantiate_async(&mut store).await?;
                (store, proxy)
            }
        };
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let server = self.clone();
        let task = tokio::spawn(async move {
            let result = proxy.wasi_http_incoming_handler().call_handle(&mut store, request, out).await;
            // A guest that trapped is not served from again.
            if result.is_ok() {
                server.reuse.as_ref().unwrap().lock().unwrap().push((store, proxy));
            }
            result
        });
        guest_response(receiver, task).await
    }
}

/// The response the guest's handler set, or why it set none: the error it
/// answered with, or else how its task ended.
async fn guest_response<R, E: std::fmt::Debug>(
    receiver: tokio::sync::oneshot::Receiver<Result<R, E>>,
    task: tokio::task::JoinHandle<wasmtime::Result<()>>,
) -> wasmtime::Result<R> {
    match receiver.await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(code)) => Err(wasmtime::format_err!("the handler failed: {code:?}")),
        Err(_) => Err(match task.await {
            Ok(Ok(())) => wasmtime::format_err!("the handler returned without setting a response"),
            Ok(Err(e)) => e,
            Err(e) => wasmtime::format_err!("the handler task failed: {e}"),
        }),
    }
}

fn plain(status: u16, text: String) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(text)).map_err(|never: Infallible| match never {}).boxed_unsync();
    hyper::Response::builder().status(status).header("content-type", "text/plain").body(body).unwrap()
}

impl Server {
    async fn handle(self: Arc<Self>, request: hyper::Request<hyper::body::Incoming>) -> hyper::Response<HyperOutgoingBody> {
        match self.clone().handle_in_guest(request).await {
            Ok(response) => response,
            Err(error) => {
                let timed_out = error.to_string().contains("timed out");
                let status = if timed_out { 504 } else { 500 };
                plain(status, format!("{error}\n"))
            }
        }
    }

    async fn handle_in_guest(self: Arc<Self>, request: hyper::Request<hyper::body::Incoming>) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
        if self.reuse.is_some() {
            return self.handle_in_kept_instance(request).await;
        }
        let mut store = Store::new(&self.engine.engine, p2_host(&self.guest, &self.log, &self.meter)?);
        store.limiter(|h| &mut h.limiter);
        meter_cpu(&mut store, self.policy, self.meter.clone());
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let request = store.data_mut().http().new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let proxy = self.proxy.clone();
        let timeout = self.timeout;
        // Its own task: the guest may go on writing the body after it has set the response.
        let task = tokio::spawn(async move {
            let work = async {
                let proxy = proxy.instantiate_async(&mut store).await?;
                proxy.wasi_http_incoming_handler().call_handle(&mut store, request, out).await
            };
            match tokio::time::timeout(timeout, work).await {
                Ok(result) => result,
                Err(_) => Err(wasmtime::format_err!("request timed out after {} ms", timeout.as_millis())),
            }
        });
        guest_response(receiver, task).await
    }
}
