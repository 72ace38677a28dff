// What a guest's store holds, and the WASI context a pod spec grants: its argv
// and env, its volumes as preopened directories and nothing else, stdout and
// stderr into the pod's log, no sockets, no outgoing HTTP.
use crate::cri_log::{CriLog, LogStream, Stream};
use crate::limits::{MemoryLimiter, PodMeter};
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Preopen {
    pub host_path: String,
    pub guest_path: String,
    pub read_only: bool,
}

/// The part of a container config that makes a guest's WASI context.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct GuestSpec {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub preopens: Vec<Preopen>,
    pub working_dir: Option<String>,
    pub memory_limit_bytes: Option<usize>,
}

pub struct P1Host {
    pub wasi: WasiP1Ctx,
    pub limiter: MemoryLimiter,
}

pub struct P2Host {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub hooks: DenyOutgoing,
    pub limiter: MemoryLimiter,
}

impl WasiView for P2Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for P2Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// Pods get no network: an outgoing request is refused as HTTP-request-denied.
pub struct DenyOutgoing;

impl WasiHttpHooks for DenyOutgoing {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn std::future::Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

fn builder(spec: &GuestSpec, log: &Arc<Mutex<CriLog>>) -> wasmtime::Result<WasiCtxBuilder> {
    let mut b = WasiCtxBuilder::new();
    b.args(&spec.args[..]);
    b.envs(&spec.env[..]);
    b.stdout(LogStream { log: log.clone(), stream: Stream::Stdout });
    b.stderr(LogStream { log: log.clone(), stream: Stream::Stderr });
    for p in &spec.preopens {
        let perms = if p.read_only { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
        b.preopened_dir(&p.host_path, &p.guest_path, perms)
            .map_err(|e| e.context(format!("cannot open volume {} for {}", p.host_path, p.guest_path)))?;
    }
    if let Some(dir) = &spec.working_dir {
        b.initial_cwd(dir);
    }
    Ok(b)
}

pub fn p1_host(spec: &GuestSpec, log: &Arc<Mutex<CriLog>>, meter: &Arc<PodMeter>) -> wasmtime::Result<P1Host> {
    Ok(P1Host {
        wasi: builder(spec, log)?.build_p1(),
        limiter: MemoryLimiter::new(spec.memory_limit_bytes, meter.clone()),
    })
}

pub fn p2_host(spec: &GuestSpec, log: &Arc<Mutex<CriLog>>, meter: &Arc<PodMeter>) -> wasmtime::Result<P2Host> {
    Ok(P2Host {
        wasi: builder(spec, log)?.build(),
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks: DenyOutgoing,
        limiter: MemoryLimiter::new(spec.memory_limit_bytes, meter.clone()),
    })
}
