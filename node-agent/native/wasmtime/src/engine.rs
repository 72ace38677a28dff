// One wasmtime Engine per node: compiled code, the pooling allocator and the
// epoch clock are shared by every pod. Compiled artifacts are cached twice: in
// memory (replicas and restarts in this process instantiate straight from the
// pre-linked form, by image digest) and on disk, serialized, keyed by the sha256
// of the Wasm bytes and the engine build, so an agent restart (or another data
// dir, or the same module under another tag) deserializes (ms, mmap) instead of
// compiling.
use crate::host::{P1Host, P2Host};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use wasmtime::component::{Component, Linker as ComponentLinker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, PoolingAllocationConfig};

/// The wasmtime crates this is built against (Cargo.toml pins them exactly).
pub const WASMTIME_VERSION: &str = "48.0.8";

pub struct EngineOptions {
    pub cache_dir: PathBuf,
    pub tick: Duration,
    /// Concurrent instances the pool holds (each HTTP request in flight, each running command).
    pub pool_instances: u32,
}

pub enum Compiled {
    Module { pre: InstancePre<P1Host> },
    Component { pre: wasmtime::component::InstancePre<P2Host> },
}

/// Refused before anything ran: the pod's image is not something this engine runs.
#[derive(Debug)]
pub struct InvalidImage(pub String);
impl std::fmt::Display for InvalidImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for InvalidImage {}

pub struct NodeEngine {
    pub engine: Engine,
    pub pooling: bool,
    pub tick: Duration,
    pub runtime: tokio::runtime::Runtime,
    cache_dir: PathBuf,
    /// wasmtime version and this build's compatibility hash: a cache key part.
    build_key: String,
    p1_linker: Linker<P1Host>,
    p2_linker: ComponentLinker<P2Host>,
    compiled: Mutex<HashMap<String, Arc<OnceCell<Arc<Compiled>>>>>,
}

fn config(pool: Option<&PoolingAllocationConfig>) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    if let Some(pool) = pool {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool.clone()));
    }
    config
}

impl NodeEngine {
    pub fn new(options: EngineOptions) -> wasmtime::Result<Self> {
        let n = options.pool_instances;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n * 4)
            .total_memories(n * 2)
            .total_tables(n * 4)
            .total_stacks(n)
            .max_tables_per_module(8)
            .max_memories_per_module(2)
            .table_elements(100_000)
            .max_core_instance_size(4 << 20)
            .max_component_instance_size(4 << 20)
            // Warm slots for the next instance. A freed memory's dirty pages (found
            // with PAGEMAP_SCAN on Linux ≥ 6.7) up to 4 MiB are reset with memset
            // rather than madvise, which spares the TLB shootdowns that dominated a
            // profile of small per-request instances. Bounded: 32 slots × 4 MiB.
            .max_unused_warm_slots(32)
            .pagemap_scan(wasmtime::Enabled::Auto)
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(64 << 10)
            .async_stack_keep_resident(64 << 10);
        // The pool reserves address space up front; where that is refused (a ulimit -v),
        // instances are allocated on demand instead.
        let (engine, pooling) = match Engine::new(&config(Some(&pool))) {
            Ok(engine) => (engine, true),
            Err(_) => (Engine::new(&config(None))?, false),
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let build_key = format!("wasmtime{}-{:016x}", WASMTIME_VERSION, hasher.finish());

        let mut p1_linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut p1_linker, |h: &mut P1Host| &mut h.wasi)?;
        let mut p2_linker = ComponentLinker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut p2_linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut p2_linker)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 8))
            .thread_name("ledge-wasmtime")
            .enable_all()
            .build()?;

        // The epoch clock: one thread for the node, the only per-tick cost of idle pods is none.
        let ticker = engine.weak();
        let tick = options.tick;
        std::thread::Builder::new().name("ledge-wasmtime-epoch".into()).spawn(move || loop {
            std::thread::sleep(tick);
            match ticker.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => return,
            }
        })?;

        std::fs::create_dir_all(&options.cache_dir)?;
        Ok(Self {
            engine,
            pooling,
            tick,
            runtime,
            cache_dir: options.cache_dir,
            build_key,
            p1_linker,
            p2_linker,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The compiled, pre-linked artifact for an image; compiled once per digest
    /// however many pods start it together.
    pub async fn load(self: &Arc<Self>, path: &str, digest: &str) -> wasmtime::Result<Arc<Compiled>> {
        let cell = self.compiled.lock().unwrap().entry(digest.to_string()).or_default().clone();
        let this = self.clone();
        let (path, key) = (path.to_string(), digest.to_string());
        let result = cell
            .get_or_try_init(|| async move {
                let compiled = tokio::task::spawn_blocking(move || this.load_blocking(&path, &key))
                    .await
                    .map_err(|e| wasmtime::format_err!("compile task failed: {e}"))??;
                Ok::<_, wasmtime::Error>(Arc::new(compiled))
            })
            .await
            .cloned();
        if result.is_err() {
            self.compiled.lock().unwrap().remove(digest);
        }
        result
    }

    /// Drops the in-memory copy (the disk cache stays): for benchmarks of a cold start.
    pub fn forget(&self, digest: &str) {
        self.compiled.lock().unwrap().remove(digest);
    }

    /// Forgets the artifact and deletes its disk cache: for benchmarks of a first start.
    pub fn purge(&self, path: &str, digest: &str) {
        self.forget(digest);
        if let Ok(bytes) = std::fs::read(path) {
            for kind in ["module", "component"] {
                let _ = std::fs::remove_file(self.cache_path(&content_key(&bytes), kind));
            }
        }
    }

    fn cache_path(&self, content: &str, kind: &str) -> PathBuf {
        self.cache_dir.join(format!("sha256-{content}.{kind}.{}.cwasm", self.build_key))
    }

    fn load_blocking(&self, path: &str, digest: &str) -> wasmtime::Result<Compiled> {
        let bytes = std::fs::read(path).map_err(|e| wasmtime::format_err!("cannot read {path}: {e}"))?;
        let kind = match bytes.get(0..8) {
            Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => "module",
            Some([0, b'a', b's', b'm', _, _, 1, 0]) => "component",
            _ => return Err(wasmtime::Error::new(InvalidImage(format!("{path} is not a WebAssembly module or component")))),
        };
        // On disk by the digest of the Wasm bytes themselves, not the image's manifest
        // digest: the same module pushed, imported or tagged twice compiles once.
        let _ = digest;
        let cached = self.cache_path(&content_key(&bytes), kind);
        let invalid = |e: wasmtime::Error| wasmtime::Error::new(InvalidImage(format!("{e:#}")));
        if kind == "module" {
            let module = self.cached_or_compiled(
                &cached,
                // SAFETY: files in the cache directory are written only by this engine
                // (store_cache), through a rename, and deserialize checks they match this engine's build.
                || unsafe { Module::deserialize_file(&self.engine, &cached) },
                || Module::new(&self.engine, &bytes).map_err(invalid),
                Module::serialize,
            )?;
            let pre = self.p1_linker.instantiate_pre(&module).map_err(invalid)?;
            Ok(Compiled::Module { pre })
        } else {
            let component = self.cached_or_compiled(
                &cached,
                // SAFETY: as above.
                || unsafe { Component::deserialize_file(&self.engine, &cached) },
                || Component::new(&self.engine, &bytes).map_err(invalid),
                Component::serialize,
            )?;
            let pre = self.p2_linker.instantiate_pre(&component).map_err(invalid)?;
            Ok(Compiled::Component { pre })
        }
    }

    /// What `deserialize` reads from the cache at `cached`, or else what `compile`
    /// makes, serialized there for next time.
    fn cached_or_compiled<T>(
        &self,
        cached: &PathBuf,
        deserialize: impl FnOnce() -> wasmtime::Result<T>,
        compile: impl FnOnce() -> wasmtime::Result<T>,
        serialize: impl FnOnce(&T) -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<T> {
        if let Ok(artifact) = deserialize() {
            return Ok(artifact);
        }
        let artifact = compile()?;
        self.store_cache(cached, serialize(&artifact)?);
        Ok(artifact)
    }

    fn store_cache(&self, path: &PathBuf, bytes: Vec<u8>) {
        let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A cache that cannot be written costs a compile next time, nothing more.
        if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, path).is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

fn content_key(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
