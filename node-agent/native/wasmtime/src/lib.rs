// The N-API surface the agent's WasmtimeRuntime (node-agent/src/runtime/wasmtime/)
// drives. JSON in and out keeps the boundary to a few functions; the per-request
// path (hyper → wasmtime) never crosses it.
mod cri_log;
mod engine;
mod host;
mod limits;
mod pod;

use engine::{Compiled, EngineOptions, NodeEngine, WASMTIME_VERSION};
use napi_derive::napi;
use pod::{Pod, StartConfig, StartError};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

static ENGINE: OnceLock<Arc<NodeEngine>> = OnceLock::new();
static PODS: OnceLock<Mutex<HashMap<u32, Arc<Pod>>>> = OnceLock::new();
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn pods() -> &'static Mutex<HashMap<u32, Arc<Pod>>> {
    PODS.get_or_init(Default::default)
}

fn engine() -> napi::Result<Arc<NodeEngine>> {
    ENGINE.get().cloned().ok_or_else(|| napi::Error::from_reason("StartFailed: the wasmtime engine is not initialised"))
}

fn pod(id: u32) -> napi::Result<Arc<Pod>> {
    pods().lock().unwrap().get(&id).cloned().ok_or_else(|| napi::Error::from_reason(format!("no container {id}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitOptions {
    cache_dir: String,
    tick_ms: Option<u64>,
    pool_instances: Option<u32>,
}

/// Starts the node's engine (once per process; later calls get the same one).
#[napi]
pub fn init(options: String) -> napi::Result<String> {
    let options: InitOptions = serde_json::from_str(&options).map_err(|e| napi::Error::from_reason(e.to_string()))?;
    if ENGINE.get().is_none() {
        let engine = NodeEngine::new(EngineOptions {
            cache_dir: options.cache_dir.into(),
            tick: Duration::from_millis(options.tick_ms.unwrap_or(10).max(1)),
            pool_instances: options.pool_instances.unwrap_or(1000),
        })
        .map_err(|e| napi::Error::from_reason(format!("cannot start wasmtime: {e:#}")))?;
        let _ = ENGINE.set(Arc::new(engine));
    }
    let engine = engine()?;
    Ok(serde_json::json!({ "version": WASMTIME_VERSION, "pooling": engine.pooling }).to_string())
}

#[napi]
pub fn version() -> String {
    WASMTIME_VERSION.to_string()
}

/// Resolves with the container's id once it runs (a server: once it listens).
#[napi]
pub async fn start(config: String) -> napi::Result<u32> {
    let engine = engine()?;
    let config: StartConfig = serde_json::from_str(&config).map_err(|e| napi::Error::from_reason(format!("StartFailed: bad config: {e}")))?;
    let started = engine
        .runtime
        .spawn(Pod::start(engine.clone(), config))
        .await
        .map_err(|e| napi::Error::from_reason(format!("StartFailed: {e}")))?;
    match started {
        Ok(pod) => {
            let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            pods().lock().unwrap().insert(id, pod);
            Ok(id)
        }
        Err(StartError::InvalidImage(message)) => Err(napi::Error::from_reason(format!("InvalidImage: {message}"))),
        Err(StartError::StartFailed(message)) => Err(napi::Error::from_reason(format!("StartFailed: {message}"))),
    }
}

/// The exit status (JSON) once the container has ended; forgets it.
#[napi]
pub async fn wait(id: u32) -> napi::Result<String> {
    let pod = pod(id)?;
    let engine = engine()?;
    let status = engine.runtime.spawn(async move { pod.wait().await }).await.map_err(|e| napi::Error::from_reason(e.to_string()))?;
    pods().lock().unwrap().remove(&id);
    Ok(serde_json::to_string(&status).unwrap())
}

#[napi]
pub fn stop(id: u32, grace_ms: u32) -> napi::Result<()> {
    let pod = pod(id)?;
    let engine = engine()?;
    let _guard = engine.runtime.enter();
    pod.stop(Duration::from_millis(grace_ms as u64));
    Ok(())
}

/// {memoryBytes, cpuMillis} (JSON), or null once exited.
#[napi]
pub fn stats(id: u32) -> napi::Result<Option<String>> {
    let Ok(pod) = pod(id) else { return Ok(None) };
    if pod.exited() {
        return Ok(None);
    }
    let engine = engine()?;
    let meter = &pod.meter;
    let live = meter.memory_bytes.load(Ordering::Relaxed);
    let memory = if live > 0 { live } else { meter.last_instance_bytes.load(Ordering::Relaxed) };
    let cpu = meter.cpu_ticks.load(Ordering::Relaxed) * engine.tick.as_millis() as u64;
    Ok(Some(serde_json::json!({ "memoryBytes": memory.max(1), "cpuMillis": cpu }).to_string()))
}

/// Compiles (or loads from the disk cache) an image ahead of its first pod, as a pull could.
#[napi]
pub async fn precompile(path: String, digest: String) -> napi::Result<()> {
    let engine = engine()?;
    let e2 = engine.clone();
    engine
        .runtime
        .spawn(async move { e2.load(&path, &digest).await.map(|_| ()) })
        .await
        .map_err(|e| napi::Error::from_reason(e.to_string()))?
        .map_err(|e| napi::Error::from_reason(format!("{e:#}")))
}

/// For the benchmark: compile, load-from-disk and warm instantiate times of one artifact.
#[napi]
pub async fn bench_instantiate(path: String, digest: String, iterations: u32) -> napi::Result<String> {
    let engine = engine()?;
    let e2 = engine.clone();
    let result = engine
        .runtime
        .spawn(async move { bench(e2, path, digest, iterations).await })
        .await
        .map_err(|e| napi::Error::from_reason(e.to_string()))?;
    result.map_err(|e| napi::Error::from_reason(format!("{e:#}")))
}

async fn bench(engine: Arc<NodeEngine>, path: String, digest: String, iterations: u32) -> wasmtime::Result<String> {
    engine.purge(&path, &digest);
    let t = Instant::now();
    let compiled = engine.load(&path, &digest).await?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let first_us = instantiate_once(&engine, &compiled).await? ;
    engine.forget(&digest);
    let t = Instant::now();
    let compiled = engine.load(&path, &digest).await?;
    let disk_load_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut samples = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations.max(1) {
        samples.push(instantiate_once(&engine, &compiled).await?);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let p50 = samples[samples.len() / 2];
    Ok(serde_json::json!({
        "compileMs": compile_ms,
        "diskLoadMs": disk_load_ms,
        "firstInstantiateUs": first_us,
        "warmInstantiateUsP50": p50,
        "warmInstantiateUsMin": samples[0],
    })
    .to_string())
}

/// Microseconds for a store plus an instance, as a pod or a request pays it.
async fn instantiate_once(engine: &Arc<NodeEngine>, compiled: &Compiled) -> wasmtime::Result<f64> {
    let meter = Arc::new(limits::PodMeter::default());
    let log = Arc::new(Mutex::new(cri_log::CriLog::open("/dev/null")?));
    let guest = host::GuestSpec { args: vec!["bench".into()], env: vec![], preopens: vec![], working_dir: None, memory_limit_bytes: None };
    let t = Instant::now();
    match compiled {
        Compiled::Module { pre } => {
            let mut store = wasmtime::Store::new(&engine.engine, host::p1_host(&guest, &log, &meter)?);
            store.limiter(|h| &mut h.limiter);
            store.set_epoch_deadline(u64::MAX / 2);
            pre.instantiate_async(&mut store).await?;
        }
        Compiled::Component { pre, .. } => {
            let mut store = wasmtime::Store::new(&engine.engine, host::p2_host(&guest, &log, &meter)?);
            store.limiter(|h| &mut h.limiter);
            store.set_epoch_deadline(u64::MAX / 2);
            pre.instantiate_async(&mut store).await?;
        }
    }
    Ok(t.elapsed().as_secs_f64() * 1e6)
}
