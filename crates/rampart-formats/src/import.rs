//! All-or-nothing imports: read every source, check every record and every
//! reference, and write through one store transaction.
//!
//! One pass usually does it all: a reader thread parses the files while this task
//! checks the records and writes them in batches into an open [`BulkWriter`]. The
//! write order the database needs (organisations, then the assets that name them,
//! then the dependencies and links between assets) holds as long as the input
//! lists records in that order, as exported files do. When it does not (a
//! dependency before its supplier), the first pass only checks, and the records
//! are written by two more passes over the input: assets, then dependencies and
//! links. Any problem drops the writer, which rolls everything back.

use crate::csv::Table;
use crate::osm::OsmOptions;
use crate::{At, Event, Flow, Issue, Place, Progress, Record};
use rampart_core::{Asset, Dependency, Network, NetworkLink, Organisation, Scope, Service};
use rampart_store::{AssetFilter, BulkWriter, Store, StoreError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Where a source's bytes are.
#[derive(Debug, Clone)]
pub enum Data {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Data {
    pub(crate) fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        match self {
            Data::Path(p) => Ok(Box::new(std::fs::File::open(p)?)),
            Data::Bytes(b) => Ok(Box::new(Cursor::new(b.clone()))),
        }
    }

    fn len(&self) -> u64 {
        match self {
            Data::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Data::Bytes(b) => b.len() as u64,
        }
    }
}

/// The format of a source.
#[derive(Debug, Clone)]
pub enum Format {
    /// A FeatureCollection of assets, dependencies and links, with organisations.
    GeoJson,
    /// One CSV file of one table.
    Csv(Table),
    /// An OpenStreetMap extract, through a tag mapping.
    OsmPbf(OsmOptions),
}

impl Format {
    /// The format of a file from its name (`.geojson`, `.json`, `.csv`, `.pbf`)
    /// and, for CSV, the table from its name (`assets.csv`, `dependencies.csv`,
    /// `links.csv`, `organisations.csv`) or else from the header in `head`.
    pub fn detect(name: &str, head: &[u8]) -> Result<Format, ImportError> {
        let lower = name.to_ascii_lowercase();
        let file: Arc<str> = name.into();
        let refuse = |message: &str| ImportError::invalid(Place::new(&file, At::File).issue("", message));
        if lower.ends_with(".geojson") || lower.ends_with(".json") {
            Ok(Format::GeoJson)
        } else if lower.ends_with(".pbf") {
            Ok(Format::OsmPbf(OsmOptions::default()))
        } else if lower.ends_with(".csv") {
            let mut rdr = ::csv::Reader::from_reader(head);
            let header: Vec<String> = rdr.headers().map(|h| h.iter().map(|c| c.trim().to_string()).collect()).unwrap_or_default();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let base = Path::new(name).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
            Table::detect(&base, &header).map(Format::Csv).ok_or_else(|| {
                refuse("cannot tell which table this CSV file holds: name it assets.csv, dependencies.csv, links.csv or organisations.csv")
            })
        } else {
            Err(refuse("cannot tell the format: expected a .geojson, .json, .csv or .osm.pbf file"))
        }
    }
}

/// One input file of an import.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name messages use: the path as given, or an upload's file name.
    pub name: Arc<str>,
    pub data: Data,
    pub format: Format,
}

impl Source {
    /// A file whose format follows from its name and first bytes (see
    /// [`Format::detect`]). OSM files get the default [`OsmOptions`]; set yours
    /// with [`Source::with_osm`].
    pub fn path(path: impl AsRef<Path>) -> Result<Source, ImportError> {
        let path = path.as_ref();
        let name: Arc<str> = path.display().to_string().into();
        let mut head = Vec::with_capacity(4096);
        let read = std::fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
        if let Err(e) = read {
            return Err(ImportError::invalid(Place::new(&name, At::File).issue("", format!("cannot open the file: {e}"))));
        }
        let format = Format::detect(&name, &head)?;
        Ok(Source { name, data: Data::Path(path.to_path_buf()), format })
    }

    /// An upload: the format follows from its name and content, as for
    /// [`Source::path`].
    pub fn detect_bytes(name: &str, bytes: impl Into<Arc<[u8]>>) -> Result<Source, ImportError> {
        let bytes: Arc<[u8]> = bytes.into();
        let format = Format::detect(name, &bytes[..bytes.len().min(4096)])?;
        Ok(Source { name: name.into(), data: Data::Bytes(bytes), format })
    }

    /// Replaces the options of an OSM source (mapping, default country, locator).
    pub fn with_osm(mut self, opts: OsmOptions) -> Source {
        if let Format::OsmPbf(o) = &mut self.format {
            *o = opts;
        }
        self
    }

    pub fn with_format(path: impl AsRef<Path>, format: Format) -> Source {
        let path = path.as_ref();
        Source { name: path.display().to_string().into(), data: Data::Path(path.to_path_buf()), format }
    }

    /// Bytes already in memory, e.g. an upload.
    pub fn bytes(name: &str, bytes: impl Into<Arc<[u8]>>, format: Format) -> Source {
        Source { name: name.into(), data: Data::Bytes(bytes.into()), format }
    }

    /// Sources are read organisations first and dependencies and links last.
    pub(crate) fn rank(&self) -> u8 {
        match self.format {
            Format::Csv(Table::Organisations) => 0,
            Format::Csv(Table::Assets) | Format::GeoJson | Format::OsmPbf(_) => 1,
            Format::Csv(Table::Dependencies) => 2,
            Format::Csv(Table::Links) => 3,
        }
    }

    /// Bytes read by one pass over this source.
    fn pass_bytes(&self) -> u64 {
        match self.format {
            // The OSM reader reads the file twice: elements, then node positions.
            Format::OsmPbf(_) => 2 * self.data.len(),
            _ => self.data.len(),
        }
    }
}

/// How to import.
#[derive(Clone)]
pub struct ImportOptions {
    /// Who imports: recorded in every asset's history.
    pub actor: String,
    /// The time of the import in Unix milliseconds (a parameter, so tests control it).
    pub now: i64,
    /// Check and write everything, then roll back: a dry run that reports what
    /// would have been written.
    pub check: bool,
    /// Records per write.
    pub batch_size: usize,
    /// Stop reading after this many problems.
    pub max_errors: usize,
    /// Decides whether the importing user may write a record (the server's access
    /// rules); a refusal is a problem at the record's place and nothing is written.
    pub allow: Option<Allow>,
}

/// An access check for each record of an import: `Err` says why it is refused.
pub type Allow = Arc<dyn Fn(&Record) -> Result<(), String> + Send + Sync>;

impl ImportOptions {
    pub fn new(actor: &str, now: i64) -> ImportOptions {
        ImportOptions { actor: actor.to_string(), now, check: false, batch_size: 5_000, max_errors: 20, allow: None }
    }
}

impl fmt::Debug for ImportOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportOptions")
            .field("actor", &self.actor)
            .field("now", &self.now)
            .field("check", &self.check)
            .field("batch_size", &self.batch_size)
            .field("max_errors", &self.max_errors)
            .field("allow", &self.allow.is_some())
            .finish()
    }
}

/// What an import wrote (or, with `check`, would have written).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub organisations: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub links: u64,
    /// False for a check (dry run): everything was rolled back.
    pub committed: bool,
    /// The first warnings (see `warning_count` for all of them).
    pub warnings: Vec<Issue>,
    pub warning_count: u64,
    /// Elements left out on purpose, by reason (e.g. OSM multipolygon relations).
    pub skipped: BTreeMap<String, u64>,
    /// Passes over the input: 1, or 3 when the input was not in write order.
    pub passes: u32,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.committed { "imported" } else { "checked, nothing written:" };
        write!(
            f,
            "{verb} {} organisations, {} assets, {} dependencies, {} network links in {:.2} s",
            self.organisations,
            self.assets,
            self.dependencies,
            self.links,
            self.elapsed.as_secs_f64()
        )?;
        if self.warning_count > 0 {
            write!(f, "; {} warnings", self.warning_count)?;
        }
        for (reason, n) in &self.skipped {
            write!(f, "; skipped {n} × {reason}")?;
        }
        Ok(())
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input is wrong; every problem found (up to the limit) is listed.
    #[error("{}", render(.issues, *.truncated))]
    Invalid { issues: Vec<Issue>, truncated: bool },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The reader thread failed; a bug.
    #[error("the import stopped unexpectedly: {0}")]
    Internal(String),
}

impl ImportError {
    fn invalid(issue: Issue) -> ImportError {
        ImportError::Invalid { issues: vec![issue], truncated: false }
    }

    /// The problems with the input, if that is what went wrong.
    pub fn issues(&self) -> &[Issue] {
        match self {
            ImportError::Invalid { issues, .. } => issues,
            _ => &[],
        }
    }
}

fn render(issues: &[Issue], truncated: bool) -> String {
    let mut s = issues.iter().map(Issue::to_string).collect::<Vec<_>>().join("\n");
    if truncated {
        s.push_str(&format!("\n(stopped after {} problems)", issues.len()));
    }
    s
}

/// Events per message from the reader thread.
const CHUNK: usize = 1_000;
/// Warnings kept for the report.
const MAX_WARNINGS: usize = 100;
/// Ids per registry look-up.
const LOOKUP: usize = 2_000;

/// Checks `sources` and writes them into `store` in one transaction: all of it,
/// or — on any problem — nothing. With `opts.check` everything is checked and
/// written, then rolled back.
pub async fn import(store: &Store, sources: &[Source], opts: &ImportOptions, progress: &dyn Progress) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let result = run(store, sources, opts, progress).await;
    progress.finish();
    result.map(|mut r| {
        r.elapsed = started.elapsed();
        r
    })
}

async fn run(store: &Store, sources: &[Source], opts: &ImportOptions, progress: &dyn Progress) -> Result<ImportReport, ImportError> {
    let mut sources = sources.to_vec();
    sources.sort_by_key(Source::rank);
    let sources: Arc<[Source]> = sources.into();
    let total: u64 = sources.iter().map(Source::pass_bytes).sum();

    let registry_orgs = store.list_organisations().await?.into_iter().map(|o| o.id.to_string()).collect();
    let registry_has_assets = !store.list_assets(&AssetFilter::default(), &Scope::All, 1, None).await?.items.is_empty();
    let writer = store.bulk_writer(&opts.actor, "import", opts.now).await?;
    let mut check = Checker::new(store, opts, writer, registry_orgs, registry_has_assets);

    progress.start(if opts.check { "checking" } else { "importing" }, total);
    let mut reading = Reading::start(&sources);
    let mut stopped = false;
    while let Some(events) = reading.next(progress).await {
        if check.take(events).await?.is_break() {
            stopped = true;
            break;
        }
    }
    reading.close().await?;
    check.finish(stopped).await?;
    if !check.errors.is_empty() {
        let truncated = stopped;
        return Err(ImportError::Invalid { issues: check.errors, truncated });
    }

    let passes;
    let writer = match check.writer.take() {
        Some(w) => {
            passes = 1;
            w
        }
        None => {
            passes = 3;
            replay(store, &sources, opts, progress, &check.orgs, total).await?
        }
    };
    let committed = !opts.check;
    if committed {
        writer.commit().await?;
    } else {
        drop(writer);
    }
    Ok(ImportReport {
        organisations: check.counts[0],
        assets: check.counts[1],
        dependencies: check.counts[2],
        links: check.counts[3],
        committed,
        warnings: check.warnings,
        warning_count: check.warning_count,
        skipped: check.skipped.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        passes,
        bytes: total * u64::from(passes),
        elapsed: Duration::ZERO,
    })
}

/// Every source read on a blocking thread, as chunks of events.
struct Reading {
    rx: mpsc::Receiver<Vec<Event>>,
    reader: tokio::task::JoinHandle<()>,
    counter: Arc<AtomicU64>,
    seen: u64,
}

impl Reading {
    fn start(sources: &Arc<[Source]>) -> Reading {
        // Room for a few batches: parsing goes on while a batch is written.
        let (tx, rx) = mpsc::channel::<Vec<Event>>(16);
        let counter = Arc::new(AtomicU64::new(0));
        let reader = {
            let (sources, counter) = (sources.clone(), counter.clone());
            tokio::task::spawn_blocking(move || {
                for source in sources.iter() {
                    let mut sink = ChunkSink { tx: &tx, buf: Vec::with_capacity(CHUNK), closed: false };
                    read_source(source, &counter, &mut |e| sink.push(e));
                    if sink.closed || (!sink.buf.is_empty() && tx.blocking_send(sink.buf).is_err()) {
                        return;
                    }
                }
            })
        };
        Reading { rx, reader, counter, seen: 0 }
    }

    async fn next(&mut self, progress: &dyn Progress) -> Option<Vec<Event>> {
        let events = self.rx.recv().await?;
        let read = self.counter.load(Ordering::Relaxed);
        progress.advance(read.saturating_sub(self.seen), events.len() as u64);
        self.seen = read;
        Some(events)
    }

    /// Stops the reader (if it is not done) and waits for it.
    async fn close(self) -> Result<(), ImportError> {
        drop(self.rx);
        self.reader.await.map_err(|e| ImportError::Internal(e.to_string()))
    }
}

struct ChunkSink<'a> {
    tx: &'a mpsc::Sender<Vec<Event>>,
    buf: Vec<Event>,
    closed: bool,
}

impl ChunkSink<'_> {
    fn push(&mut self, e: Event) -> Flow {
        self.buf.push(e);
        if self.buf.len() >= CHUNK && self.tx.blocking_send(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK))).is_err() {
            self.closed = true;
            return Flow::Break(());
        }
        Flow::Continue(())
    }
}

/// Counts the bytes read, for progress.
struct Counting<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) fn read_source(source: &Source, counter: &Arc<AtomicU64>, sink: &mut dyn FnMut(Event) -> Flow) {
    let open = || -> std::io::Result<BufReader<Counting<Box<dyn Read + Send>>>> {
        Ok(BufReader::with_capacity(1 << 20, Counting { inner: source.data.open()?, counter: counter.clone() }))
    };
    let input = match open() {
        Ok(i) => i,
        Err(e) => {
            let _ = sink(Event::invalid(Place::new(&source.name, At::File).issue("", format!("cannot open the file: {e}"))));
            return;
        }
    };
    match &source.format {
        Format::GeoJson => crate::geojson::read(input, &source.name, sink),
        Format::Csv(t) => crate::csv::read(input, &source.name, *t, sink),
        Format::OsmPbf(o) => crate::osm::read(&open, &source.name, o, sink),
    }
}

/// A reference to an asset that is not (yet) known: checked against the
/// registry, then against the rest of the input.
struct Pending {
    id: String,
    index: u32,
    place: Place,
    field: &'static str,
}

/// A field of a record as the file names it.
fn field_at(place: &Place, field: &str) -> String {
    match place.at {
        At::Feature(_) => format!("properties.{field}"),
        _ => field.to_string(),
    }
}

/// The first pass: checks every record and writes while the order allows.
struct Checker<'a> {
    store: &'a Store,
    opts: &'a ImportOptions,
    writer: Option<BulkWriter>,
    registry_orgs: HashSet<String>,
    registry_has_assets: bool,
    /// Organisations of the input, kept for a replay.
    orgs: Vec<Organisation>,
    org_places: HashMap<String, Place>,
    /// Every asset id seen (as a record or a reference) gets a number; the
    /// place of its record, once seen.
    ids: HashMap<Box<str>, u32>,
    asset_places: Vec<Option<Place>>,
    in_registry: HashSet<u32>,
    dependency_keys: HashMap<(u32, u32, Service), Place>,
    link_keys: HashMap<(Network, u32, u32), Place>,
    to_look_up: Vec<Pending>,
    unresolved: Vec<Pending>,
    unresolved_operators: Vec<(String, Place)>,
    org_buf: Vec<Organisation>,
    asset_buf: Vec<(Asset, Place)>,
    dependency_buf: Vec<Dependency>,
    dependency_places: Vec<Place>,
    link_buf: Vec<NetworkLink>,
    link_places: Vec<Place>,
    /// organisations, assets, dependencies, links
    counts: [u64; 4],
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
    warning_count: u64,
    skipped: BTreeMap<&'static str, u64>,
}

impl<'a> Checker<'a> {
    fn new(store: &'a Store, opts: &'a ImportOptions, writer: BulkWriter, registry_orgs: HashSet<String>, registry_has_assets: bool) -> Self {
        Checker {
            store,
            opts,
            writer: Some(writer),
            registry_orgs,
            registry_has_assets,
            orgs: Vec::new(),
            org_places: HashMap::new(),
            ids: HashMap::new(),
            asset_places: Vec::new(),
            in_registry: HashSet::new(),
            dependency_keys: HashMap::new(),
            link_keys: HashMap::new(),
            to_look_up: Vec::new(),
            unresolved: Vec::new(),
            unresolved_operators: Vec::new(),
            org_buf: Vec::new(),
            asset_buf: Vec::new(),
            dependency_buf: Vec::new(),
            dependency_places: Vec::new(),
            link_buf: Vec::new(),
            link_places: Vec::new(),
            counts: [0; 4],
            errors: Vec::new(),
            warnings: Vec::new(),
            warning_count: 0,
            skipped: BTreeMap::new(),
        }
    }

    async fn take(&mut self, events: Vec<Event>) -> Result<Flow, ImportError> {
        for event in events {
            if let (Event::Record(place, record), Some(allow)) = (&event, &self.opts.allow) {
                if let Err(message) = allow(record) {
                    self.error(place.issue("", message));
                    continue;
                }
            }
            match event {
                Event::Record(place, Record::Organisation(o)) => self.organisation(o, place),
                Event::Record(place, Record::Asset(a)) => self.asset(a, place).await?,
                Event::Record(place, Record::Dependency(d)) => self.dependency(d, place).await?,
                Event::Record(place, Record::Link(l)) => self.link(l, place).await?,
                Event::Invalid(issues) => issues.into_iter().for_each(|i| self.error(i)),
                Event::Warning(w) => {
                    self.warning_count += 1;
                    if self.warnings.len() < MAX_WARNINGS {
                        self.warnings.push(w);
                    }
                }
                Event::Skipped { reason } => *self.skipped.entry(reason).or_default() += 1,
            }
            if self.errors.len() >= self.opts.max_errors {
                return Ok(Flow::Break(()));
            }
        }
        Ok(Flow::Continue(()))
    }

    fn error(&mut self, issue: Issue) {
        // The import fails: stop writing, go on checking.
        self.writer = None;
        if self.errors.len() < self.opts.max_errors {
            self.errors.push(issue);
        }
    }

    /// The rest of the input cannot be written in the order it comes; check it
    /// now, write it in a replay.
    fn defer_writing(&mut self) {
        self.writer = None;
    }

    fn index(&mut self, id: &str) -> u32 {
        if let Some(i) = self.ids.get(id) {
            return *i;
        }
        let i = self.asset_places.len() as u32;
        self.ids.insert(id.into(), i);
        self.asset_places.push(None);
        i
    }

    fn organisation(&mut self, o: Organisation, place: Place) {
        if let Some(first) = self.org_places.get(o.id.as_str()) {
            let message = format!("duplicate organisation id {:?}, first at {first}", o.id.as_str());
            self.error(place.issue("id", message));
            return;
        }
        self.org_places.insert(o.id.to_string(), place);
        self.counts[0] += 1;
        if self.writer.is_some() {
            self.org_buf.push(o.clone());
        }
        self.orgs.push(o);
    }

    async fn asset(&mut self, a: Asset, place: Place) -> Result<(), ImportError> {
        let index = self.index(a.id.as_str());
        if let Some(first) = &self.asset_places[index as usize] {
            let message = format!("duplicate asset id {:?}, first at {first}", a.id.as_str());
            self.error(place.issue("id", message));
            return Ok(());
        }
        self.asset_places[index as usize] = Some(place.clone());
        self.counts[1] += 1;
        if let Some(op) = &a.operator_id {
            if !self.registry_orgs.contains(op.as_str()) && !self.org_places.contains_key(op.as_str()) {
                self.unresolved_operators.push((op.to_string(), place.clone()));
                self.defer_writing();
            }
        }
        if self.writer.is_some() || self.registry_has_assets {
            self.asset_buf.push((a, place));
            if self.asset_buf.len() >= self.opts.batch_size {
                self.flush_assets().await?;
            }
        }
        Ok(())
    }

    async fn flush_assets(&mut self) -> Result<(), ImportError> {
        if self.asset_buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.asset_buf);
        if self.registry_has_assets {
            let ids: Vec<&str> = buf.iter().map(|(a, _)| a.id.as_str()).collect();
            let found: HashSet<String> = self.store.existing_asset_ids(&ids).await?.into_iter().collect();
            for (a, place) in &buf {
                if found.contains(a.id.as_str()) {
                    let message = format!("an asset with id {:?} is already in the registry", a.id.as_str());
                    self.error(place.issue("id", message));
                }
            }
        }
        if let Some(w) = self.writer.as_mut() {
            if !self.org_buf.is_empty() {
                w.organisations(&std::mem::take(&mut self.org_buf)).await?;
            }
            let assets: Vec<Asset> = buf.into_iter().map(|(a, _)| a).collect();
            w.assets(&assets).await?;
        }
        Ok(())
    }

    /// Notes a reference to an asset id not seen in the input so far.
    async fn reference(&mut self, id: &str, index: u32, place: &Place, field: &'static str) -> Result<(), ImportError> {
        if self.asset_places[index as usize].is_some() || self.in_registry.contains(&index) {
            return Ok(());
        }
        let pending = Pending { id: id.to_string(), index, place: place.clone(), field };
        if self.registry_has_assets {
            self.to_look_up.push(pending);
            if self.to_look_up.len() >= LOOKUP {
                self.look_up().await?;
            }
        } else {
            self.unresolved.push(pending);
            self.defer_writing();
        }
        Ok(())
    }

    /// Looks up pending references in the registry.
    async fn look_up(&mut self) -> Result<(), ImportError> {
        if self.to_look_up.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.to_look_up);
        let mut ids: Vec<&str> = pending.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let found: HashSet<String> = self.store.existing_asset_ids(&ids).await?.into_iter().collect();
        for p in pending {
            if found.contains(&p.id) {
                self.in_registry.insert(p.index);
            } else if self.asset_places[p.index as usize].is_none() {
                self.unresolved.push(p);
                self.defer_writing();
            }
        }
        Ok(())
    }

    async fn dependency(&mut self, d: Dependency, place: Place) -> Result<(), ImportError> {
        let (s, t) = (self.index(d.supplier.as_str()), self.index(d.dependent.as_str()));
        if let Some(first) = self.dependency_keys.get(&(s, t, d.service)) {
            let message = format!(
                "duplicate dependency: {} depends on {} for {} already at {first}",
                d.dependent.as_str(),
                d.supplier.as_str(),
                d.service.key()
            );
            self.error(place.issue(field_at(&place, "dependent_id"), message));
            return Ok(());
        }
        self.dependency_keys.insert((s, t, d.service), place.clone());
        self.counts[2] += 1;
        self.reference(d.supplier.as_str(), s, &place, "supplier_id").await?;
        self.reference(d.dependent.as_str(), t, &place, "dependent_id").await?;
        if self.writer.is_some() {
            self.dependency_buf.push(d);
            self.dependency_places.push(place);
            if self.dependency_buf.len() >= self.opts.batch_size {
                self.flush_dependencies().await?;
            }
        }
        Ok(())
    }

    async fn flush_dependencies(&mut self) -> Result<(), ImportError> {
        self.look_up().await?;
        self.flush_assets().await?;
        let buf = std::mem::take(&mut self.dependency_buf);
        let places = std::mem::take(&mut self.dependency_places);
        if let (Some(w), false) = (self.writer.as_mut(), buf.is_empty()) {
            if let Err(e) = w.dependencies(&buf).await {
                return Err(explain_dependencies(self.store, e, &buf, &places).await);
            }
        }
        Ok(())
    }

    async fn link(&mut self, l: NetworkLink, place: Place) -> Result<(), ImportError> {
        let (a, b) = (self.index(l.from.as_str()), self.index(l.to.as_str()));
        if let Some(first) = self.link_keys.get(&(l.network, a, b)) {
            let message = format!(
                "duplicate network link: {} from {} to {} already at {first}",
                l.network.key(),
                l.from.as_str(),
                l.to.as_str()
            );
            self.error(place.issue(field_at(&place, "to_id"), message));
            return Ok(());
        }
        self.link_keys.insert((l.network, a, b), place.clone());
        self.counts[3] += 1;
        self.reference(l.from.as_str(), a, &place, "from_id").await?;
        self.reference(l.to.as_str(), b, &place, "to_id").await?;
        if self.writer.is_some() {
            self.link_buf.push(l);
            self.link_places.push(place);
            if self.link_buf.len() >= self.opts.batch_size {
                self.flush_links().await?;
            }
        }
        Ok(())
    }

    async fn flush_links(&mut self) -> Result<(), ImportError> {
        self.look_up().await?;
        self.flush_assets().await?;
        let buf = std::mem::take(&mut self.link_buf);
        let places = std::mem::take(&mut self.link_places);
        if let (Some(w), false) = (self.writer.as_mut(), buf.is_empty()) {
            if let Err(e) = w.links(&buf).await {
                return Err(explain_links(self.store, e, &buf, &places).await);
            }
        }
        Ok(())
    }

    /// Writes what is left and checks the references that stayed open.
    async fn finish(&mut self, stopped: bool) -> Result<(), ImportError> {
        if stopped {
            self.writer = None;
            return Ok(());
        }
        self.flush_assets().await?;
        if let Some(w) = self.writer.as_mut() {
            if !self.org_buf.is_empty() {
                w.organisations(&std::mem::take(&mut self.org_buf)).await?;
            }
        }
        self.flush_dependencies().await?;
        self.flush_links().await?;
        for p in std::mem::take(&mut self.unresolved) {
            if self.asset_places[p.index as usize].is_none() {
                let message = format!("no asset with id {:?} in the input or the registry", p.id);
                self.error(p.place.issue(field_at(&p.place, p.field), message));
            }
        }
        for (op, place) in std::mem::take(&mut self.unresolved_operators) {
            if !self.org_places.contains_key(op.as_str()) {
                let message = format!("no organisation with id {op:?} in the input or the registry");
                self.error(place.issue(field_at(&place, "operator_id"), message));
            }
        }
        Ok(())
    }
}

/// Writes checked input that was not in write order: organisations, then a pass
/// for the assets, then one for dependencies and links.
async fn replay(
    store: &Store,
    sources: &Arc<[Source]>,
    opts: &ImportOptions,
    progress: &dyn Progress,
    orgs: &[Organisation],
    total: u64,
) -> Result<BulkWriter, ImportError> {
    let mut writer = store.bulk_writer(&opts.actor, "import", opts.now).await?;
    writer.organisations(orgs).await?;
    for assets_pass in [true, false] {
        progress.start(if assets_pass { "writing assets" } else { "writing dependencies and links" }, total);
        let mut replay = Replay {
            store,
            writer: &mut writer,
            assets_pass,
            batch: opts.batch_size,
            assets: vec![],
            deps: (vec![], vec![]),
            links: (vec![], vec![]),
        };
        let mut reading = Reading::start(sources);
        while let Some(events) = reading.next(progress).await {
            replay.take(events).await?;
        }
        reading.close().await?;
        replay.flush(true).await?;
    }
    Ok(writer)
}

struct Replay<'w> {
    store: &'w Store,
    writer: &'w mut BulkWriter,
    assets_pass: bool,
    batch: usize,
    assets: Vec<Asset>,
    deps: (Vec<Dependency>, Vec<Place>),
    links: (Vec<NetworkLink>, Vec<Place>),
}

impl Replay<'_> {
    async fn take(&mut self, events: Vec<Event>) -> Result<(), ImportError> {
        for event in events {
            match event {
                Event::Record(_, Record::Asset(a)) if self.assets_pass => self.assets.push(a),
                Event::Record(place, Record::Dependency(d)) if !self.assets_pass => {
                    self.deps.0.push(d);
                    self.deps.1.push(place);
                }
                Event::Record(place, Record::Link(l)) if !self.assets_pass => {
                    self.links.0.push(l);
                    self.links.1.push(place);
                }
                _ => {}
            }
        }
        self.flush(false).await
    }

    async fn flush(&mut self, all: bool) -> Result<(), ImportError> {
        if self.assets.len() >= self.batch || (all && !self.assets.is_empty()) {
            self.writer.assets(&std::mem::take(&mut self.assets)).await?;
        }
        if self.deps.0.len() >= self.batch || (all && !self.deps.0.is_empty()) {
            let (deps, places) = std::mem::take(&mut self.deps);
            if let Err(e) = self.writer.dependencies(&deps).await {
                return Err(explain_dependencies(self.store, e, &deps, &places).await);
            }
        }
        if self.links.0.len() >= self.batch || (all && !self.links.0.is_empty()) {
            let (links, places) = std::mem::take(&mut self.links);
            if let Err(e) = self.writer.links(&links).await {
                return Err(explain_links(self.store, e, &links, &places).await);
            }
        }
        Ok(())
    }
}

/// The store refused a batch of dependencies as a conflict: every one was checked
/// against the input, so one of them is already in the registry. Finds it, to
/// name its place.
async fn explain_dependencies(store: &Store, e: StoreError, deps: &[Dependency], places: &[Place]) -> ImportError {
    if !matches!(e, StoreError::Conflict(_)) {
        return e.into();
    }
    for (d, place) in deps.iter().zip(places) {
        let Ok(existing) = store.list_dependencies(Some(&d.dependent), u32::MAX / 2, None).await else { break };
        let same = |s: &rampart_store::StoredDependency| s.dependency.supplier == d.supplier && s.dependency.service == d.service;
        if existing.items.iter().any(same) {
            let message = format!("{} already depends on {} for {} in the registry", d.dependent, d.supplier, d.service.key());
            return ImportError::invalid(place.issue(field_at(place, "dependent_id"), message));
        }
    }
    e.into()
}

/// As [`explain_dependencies`], for network links.
async fn explain_links(store: &Store, e: StoreError, links: &[NetworkLink], places: &[Place]) -> ImportError {
    if !matches!(e, StoreError::Conflict(_)) {
        return e.into();
    }
    for (l, place) in links.iter().zip(places) {
        let Ok(existing) = store.list_links(Some(&l.from), u32::MAX / 2, None).await else { break };
        if existing.items.iter().any(|s| s.link.network == l.network && s.link.to == l.to) {
            let message = format!("a {} link from {} to {} is already in the registry", l.network.key(), l.from, l.to);
            return ImportError::invalid(place.issue(field_at(place, "to_id"), message));
        }
    }
    e.into()
}
