//! Progress of long imports and exports, for a terminal bar or a server's job status.

/// Told how far an import has come. Called from the importing task; keep it cheap.
pub trait Progress: Send + Sync {
    /// A pass over the input starts: `what` says which ("checking", "writing
    /// assets"), `total_bytes` is how much it reads (0 when unknown).
    fn start(&self, what: &str, total_bytes: u64) {
        let _ = (what, total_bytes);
    }
    /// `bytes` more of the input were read and `records` more records handled.
    fn advance(&self, bytes: u64, records: u64) {
        let _ = (bytes, records);
    }
    /// The import is over, successful or not.
    fn finish(&self) {}
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// An indicatif bar over the bytes of the input, with the records counted in
/// its message.
pub struct BarProgress {
    bar: indicatif::ProgressBar,
    what: std::sync::Mutex<String>,
    records: std::sync::atomic::AtomicU64,
}

impl BarProgress {
    pub fn new(bar: indicatif::ProgressBar) -> BarProgress {
        let style = indicatif::ProgressStyle::with_template("{spinner} {msg:32} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        BarProgress { bar, what: std::sync::Mutex::new(String::new()), records: Default::default() }
    }

    /// A bar drawn on standard error.
    pub fn stderr() -> BarProgress {
        BarProgress::new(indicatif::ProgressBar::new(0))
    }
}

impl Progress for BarProgress {
    fn start(&self, what: &str, total_bytes: u64) {
        if let Ok(mut w) = self.what.lock() {
            *w = what.to_string();
        }
        self.records.store(0, std::sync::atomic::Ordering::Relaxed);
        self.bar.set_length(total_bytes);
        self.bar.set_position(0);
        self.bar.set_message(what.to_string());
    }

    fn advance(&self, bytes: u64, records: u64) {
        let n = self.records.fetch_add(records, std::sync::atomic::Ordering::Relaxed) + records;
        self.bar.inc(bytes);
        if records > 0 {
            let what = self.what.lock().map(|w| w.clone()).unwrap_or_default();
            self.bar.set_message(format!("{what}: {n} records"));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
