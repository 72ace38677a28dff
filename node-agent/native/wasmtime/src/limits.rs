// A pod's resource limits as wasmtime enforces them inside one process.
//
// Memory: a ResourceLimiter per store refuses growth past resources.limits.memory,
// so the guest's allocation fails (malloc → NULL) instead of the host's.
//
// CPU: the engine's epoch advances every tick (engine.rs). Each store's deadline
// is one tick, so a running guest comes back to the callback below once per tick
// it was on a CPU: that count is its CPU time, to a tick's accuracy. Under a
// limit of L millicores the callback yields for tick × (1000 − L) / L after each
// tick (CFS-like throttling, other pods run meanwhile); a guest call (a command's
// whole run, or one HTTP request) that uses more than L × runaway window of CPU
// is trapped as CPULimitExceeded, since throttling alone would keep an infinite
// loop alive forever at its quota. Every store yields at each tick, so a spinning
// guest never keeps a worker thread from other pods.
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{ResourceLimiter, UpdateDeadline};

/// What a pod's stores share: counters for stats and the reasons it ended.
#[derive(Default)]
pub struct PodMeter {
    /// Ticks its guests ran, all calls together.
    pub cpu_ticks: AtomicU64,
    /// Linear memory of live instances.
    pub memory_bytes: AtomicUsize,
    /// The size of the last instance that ended: an idle HTTP pod's footprint per request.
    pub last_instance_bytes: AtomicUsize,
    pub memory_refused: AtomicBool,
    pub cpu_exceeded: AtomicBool,
    pub kill: AtomicBool,
}

pub struct MemoryLimiter {
    limit: Option<usize>,
    used: usize,
    meter: Arc<PodMeter>,
}

impl MemoryLimiter {
    pub fn new(limit: Option<usize>, meter: Arc<PodMeter>) -> Self {
        Self { limit, used: 0, meter }
    }
}

impl Drop for MemoryLimiter {
    fn drop(&mut self) {
        self.meter.memory_bytes.fetch_sub(self.used, Ordering::Relaxed);
        self.meter.last_instance_bytes.store(self.used, Ordering::Relaxed);
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let after = self.used - current.min(self.used) + desired;
        if let Some(limit) = self.limit {
            if after > limit {
                self.meter.memory_refused.store(true, Ordering::Relaxed);
                return Ok(false);
            }
        }
        self.meter.memory_bytes.fetch_add(after - self.used.min(after), Ordering::Relaxed);
        if after < self.used {
            self.meter.memory_bytes.fetch_sub(self.used - after, Ordering::Relaxed);
        }
        self.used = after;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.map_or(true, |m| desired <= m))
    }
}

/// The reasons a guest call was cut short, recognisable after the trap.
#[derive(Debug)]
pub enum Stopped {
    CpuLimit { used_ms: u64, budget_ms: u64 },
    Killed,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::CpuLimit { used_ms, budget_ms } => {
                write!(f, "one guest call used {used_ms} ms of CPU, over its {budget_ms} ms budget")
            }
            Stopped::Killed => write!(f, "killed"),
        }
    }
}

impl std::error::Error for Stopped {}

#[derive(Clone, Copy)]
pub struct CpuPolicy {
    pub tick: Duration,
    pub limit_millis: Option<u32>,
    /// 0: never trap for CPU, throttle only.
    pub runaway_window_ms: u64,
}

/// Installs the per-tick callback on a store; `call_ticks` starts at 0 for each store (each guest call).
pub fn meter_cpu<T: 'static>(store: &mut wasmtime::Store<T>, policy: CpuPolicy, meter: Arc<PodMeter>) {
    let tick_ms = policy.tick.as_millis().max(1) as u64;
    let budget_ms = policy.limit_millis.map(|l| l as u64 * policy.runaway_window_ms / 1000).filter(|&b| b > 0);
    let pause = policy
        .limit_millis
        .filter(|&l| l > 0 && l < 1000)
        .map(|l| policy.tick * (1000 - l) / l);
    let mut call_ticks: u64 = 0;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        call_ticks += 1;
        meter.cpu_ticks.fetch_add(1, Ordering::Relaxed);
        if meter.kill.load(Ordering::Relaxed) {
            return Err(wasmtime::Error::new(Stopped::Killed));
        }
        if let Some(budget_ms) = budget_ms {
            let used_ms = call_ticks * tick_ms;
            if used_ms > budget_ms {
                meter.cpu_exceeded.store(true, Ordering::Relaxed);
                return Err(wasmtime::Error::new(Stopped::CpuLimit { used_ms, budget_ms }));
            }
        }
        Ok(match pause {
            Some(pause) => UpdateDeadline::YieldCustom(1, Box::pin(tokio::time::sleep(pause))),
            None => UpdateDeadline::Yield(1),
        })
    });
}
