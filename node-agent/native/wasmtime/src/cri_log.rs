// Container logs in the CRI format kubelet reads, byte for byte what
// node-agent/src/runtime/cri-log.ts writes: "<RFC3339Nano> <stream> <F|P> <text>\n",
// lines over 16 KiB split into partial records. Guest stdout and stderr share one
// writer so their order in the file is the order the guest wrote them.
use bytes::Bytes;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};

pub const MAX_LOG_LINE_BYTES: usize = 16 * 1024;

#[derive(Clone, Copy)]
pub enum Stream {
    Stdout = 0,
    Stderr = 1,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

pub struct CriLog {
    file: File,
    pending: [Vec<u8>; 2],
}

impl CriLog {
    pub fn open(path: &str) -> std::io::Result<Self> {
        if let Some(dir) = std::path::Path::new(path).parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self { file, pending: [Vec::new(), Vec::new()] })
    }

    pub fn write(&mut self, stream: Stream, mut chunk: &[u8]) -> std::io::Result<()> {
        while let Some(i) = chunk.iter().position(|&b| b == b'\n') {
            self.take(stream, &chunk[..i])?;
            self.emit(stream, 'F')?;
            chunk = &chunk[i + 1..];
        }
        self.take(stream, chunk)
    }

    /// Ends any unterminated line.
    pub fn flush(&mut self) -> std::io::Result<()> {
        for stream in [Stream::Stdout, Stream::Stderr] {
            if !self.pending[stream as usize].is_empty() {
                self.emit(stream, 'F')?;
            }
        }
        Ok(())
    }

    fn take(&mut self, stream: Stream, mut bytes: &[u8]) -> std::io::Result<()> {
        while self.pending[stream as usize].len() + bytes.len() > MAX_LOG_LINE_BYTES {
            let room = MAX_LOG_LINE_BYTES - self.pending[stream as usize].len();
            self.pending[stream as usize].extend_from_slice(&bytes[..room]);
            self.emit(stream, 'P')?;
            bytes = &bytes[room..];
        }
        self.pending[stream as usize].extend_from_slice(bytes);
        Ok(())
    }

    fn emit(&mut self, stream: Stream, tag: char) -> std::io::Result<()> {
        let text = std::mem::take(&mut self.pending[stream as usize]);
        let mut record = Vec::with_capacity(text.len() + 48);
        record.extend_from_slice(format!("{} {} {} ", rfc3339_nano(SystemTime::now()), stream.name(), tag).as_bytes());
        record.extend_from_slice(&text);
        record.push(b'\n');
        // One write per record: O_APPEND keeps records whole.
        self.file.write_all(&record)
    }
}

/// "2026-11-22T06:01:02.123456789Z", as cri-log.ts's rfc3339Nano.
pub fn rfc3339_nano(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        since.subsec_nanos()
    )
}

/// One of a pod's two output streams, as WASI stdout/stderr.
#[derive(Clone)]
pub struct LogStream {
    pub log: Arc<Mutex<CriLog>>,
    pub stream: Stream,
}

impl LogStream {
    fn put(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.log.lock().unwrap().write(self.stream, bytes)
    }
}

// A terminal as far as the guest can tell: the log is line-oriented, so guests
// should line-buffer (wasi-libc does for a character device) and a pod's stdout
// and stderr interleave in the order written, as on the jco engine.
impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        true
    }
}

impl StdoutStream for LogStream {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogStream {
    async fn ready(&mut self) {}
}

impl OutputStream for LogStream {
    // Synchronous, as cri-log.ts: a guest that prints and then spins or traps
    // still leaves its lines behind.
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.put(&bytes).map_err(|e| StreamError::LastOperationFailed(wasmtime::format_err!(e)))
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(1024 * 1024)
    }
}

impl tokio::io::AsyncWrite for LogStream {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.put(buf).map(|_| buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_rfc3339_nano() {
        let t = UNIX_EPOCH + Duration::new(1_795_000_000, 5);
        assert_eq!(rfc3339_nano(t), "2026-11-18T11:06:40.000000005Z");
    }
}
