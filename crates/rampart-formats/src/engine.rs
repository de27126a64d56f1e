//! The analysis engine's graph from the registry: read from the store, from registry
//! files (CSV or GeoJSON), or from its own binary form, which loads a continental
//! registry in seconds.
//!
//! The binary form is a header line `rampart-graph 2` followed by the graph's columns
//! in a fixed order, each as a little-endian `u64` count and the values in
//! little-endian. It is a cache, not an exchange format: rebuild it from the store or
//! the registry files when the binary changes.

use crate::export::{each_asset, each_dependency, each_link, ExportScope};
use crate::import::{read_source, Source};
use crate::{Event, ExportError, Issue, Record};
use rampart_engine::csr::Csr;
use rampart_engine::graph::Link;
use rampart_engine::{BuildError, Graph, GraphBuilder};
use rampart_store::Store;
use std::io::{self, BufRead, Read, Write};
use std::ops::ControlFlow;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] ExportError),
    #[error("{}", render(.0))]
    Invalid(Vec<Issue>),
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Build(Vec<BuildError>),
    #[error("{file}: {message}")]
    Binary { file: String, message: String },
}

fn render(issues: &[Issue]) -> String {
    issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")
}

/// The whole registry in the store as an engine graph.
pub async fn graph_from_store(store: &Store) -> Result<Graph, LoadError> {
    let mut b = GraphBuilder::new();
    let all = ExportScope::all();
    each_asset(store, &all, |a| {
        b.add_asset(a);
        Ok(())
    })
    .await?;
    each_dependency(store, |d| {
        b.add_dependency_at(&d.dependency, &|| format!("dependency {}", d.id));
        Ok(())
    })
    .await?;
    each_link(store, |l| {
        b.add_link_at(&l.link, &|| format!("link {}", l.id));
        Ok(())
    })
    .await?;
    b.finish().map_err(LoadError::Build)
}

/// An engine graph from registry files (the CSV tables or GeoJSON of the import
/// formats). Every invalid record is reported with its file and line or feature.
pub fn graph_from_files(sources: &[Source]) -> Result<Graph, LoadError> {
    let mut sources: Vec<&Source> = sources.iter().collect();
    sources.sort_by_key(|s| s.rank());
    let mut b = GraphBuilder::new();
    let mut issues: Vec<Issue> = Vec::new();
    let counter = Arc::new(AtomicU64::new(0));
    for source in sources {
        read_source(source, &counter, &mut |event| {
            match event {
                Event::Record(_, Record::Asset(a)) => b.add_asset(&a),
                Event::Record(place, Record::Dependency(d)) => b.add_dependency_at(&d, &|| place.to_string()),
                Event::Record(place, Record::Link(l)) => b.add_link_at(&l, &|| place.to_string()),
                Event::Record(_, Record::Organisation(_)) | Event::Warning(_) | Event::Skipped { .. } => {}
                Event::Invalid(list) => issues.extend(list),
            }
            if issues.len() >= 20 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
    }
    if !issues.is_empty() {
        return Err(LoadError::Invalid(issues));
    }
    b.finish().map_err(LoadError::Build)
}

const MAGIC: &[u8] = b"rampart-graph 2\n";

trait Le: Sized + Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_le_bytes()); }
            fn get(b: &[u8]) -> Self { let mut a = [0u8; std::mem::size_of::<$t>()]; a.copy_from_slice(b); <$t>::from_le_bytes(a) }
        }
    )*};
}
le!(u8, u16, u32, u64, f32, f64);

impl Le for Link {
    const SIZE: usize = 9;
    fn put(self, out: &mut Vec<u8>) {
        self.to.put(out);
        self.network.put(out);
        self.length_km.put(out);
    }
    fn get(b: &[u8]) -> Self {
        Link { to: u32::get(&b[0..4]), network: b[4], length_km: f32::get(&b[5..9]) }
    }
}

fn put<T: Le>(out: &mut impl Write, xs: &[T]) -> io::Result<()> {
    out.write_all(&(xs.len() as u64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(T::SIZE * 65_536);
    for chunk in xs.chunks(65_536) {
        buf.clear();
        for &x in chunk {
            x.put(&mut buf);
        }
        out.write_all(&buf)?;
    }
    Ok(())
}

fn put_strings(out: &mut impl Write, xs: &[String]) -> io::Result<()> {
    out.write_all(&(xs.len() as u64).to_le_bytes())?;
    for s in xs {
        out.write_all(&(s.len() as u64).to_le_bytes())?;
        out.write_all(s.as_bytes())?;
    }
    Ok(())
}

/// Writes the graph's binary form.
pub fn write_graph(g: &Graph, out: &mut impl Write) -> io::Result<()> {
    out.write_all(MAGIC)?;
    put(out, &g.id_bytes)?;
    put(out, &g.id_end)?;
    put(out, &g.country)?;
    put_strings(out, &g.countries)?;
    put(out, &g.class)?;
    put_strings(out, &g.classes)?;
    put(out, &g.function)?;
    put_strings(out, &g.functions)?;
    put(out, &g.lon)?;
    put(out, &g.lat)?;
    put(out, &g.people)?;
    put(out, &g.occupancy)?;
    put(out, &g.value_per_day)?;
    put(out, &g.restoration_h)?;
    put(out, &g.flags)?;
    put(out, &g.member)?;
    put(out, &g.source)?;
    put(out, &g.needs_source)?;
    put(out, &g.group_start)?;
    put(out, &g.group_owner)?;
    put(out, &g.group_service)?;
    put(out, &g.group_k)?;
    put(out, &g.group_outside)?;
    put(out, &g.group_buffer_h)?;
    put(out, g.suppliers.offsets())?;
    put(out, g.suppliers.items())?;
    put(out, g.supplies.offsets())?;
    put(out, g.supplies.items())?;
    put(out, g.links.offsets())?;
    put(out, g.links.items())?;
    out.flush()
}

struct Reader<'a, R> {
    input: &'a mut R,
    file: &'a str,
}

impl<R: BufRead> Reader<'_, R> {
    fn fail(&self, message: impl Into<String>) -> LoadError {
        LoadError::Binary { file: self.file.to_string(), message: message.into() }
    }

    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, LoadError> {
        let mut b = Vec::new();
        (&mut *self.input).take(n as u64).read_to_end(&mut b).map_err(|e| self.fail(format!("cannot read: {e}")))?;
        if b.len() != n {
            return Err(self.fail("the file ends early; rebuild it with `rampart analyze graph`"));
        }
        Ok(b)
    }

    fn count(&mut self) -> Result<usize, LoadError> {
        let b = self.bytes(8)?;
        let n = u64::get(&b);
        usize::try_from(n).ok().filter(|n| *n < 1 << 40).ok_or_else(|| self.fail(format!("implausible column length {n}")))
    }

    fn column<T: Le>(&mut self) -> Result<Vec<T>, LoadError> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        let mut left = n;
        while left > 0 {
            let take = left.min(1 << 20);
            let b = self.bytes(take * T::SIZE)?;
            out.extend(b.chunks_exact(T::SIZE).map(T::get));
            left -= take;
        }
        Ok(out)
    }

    fn strings(&mut self) -> Result<Vec<String>, LoadError> {
        let n = self.count()?;
        (0..n)
            .map(|_| {
                let len = self.count()?;
                String::from_utf8(self.bytes(len)?).map_err(|_| self.fail("a name is not UTF-8"))
            })
            .collect()
    }

    fn csr<T: Le + Default>(&mut self) -> Result<Csr<T>, LoadError> {
        let start: Vec<u32> = self.column()?;
        let items: Vec<T> = self.column()?;
        if start.last().copied().unwrap_or(0) as usize != items.len() || start.windows(2).any(|w| w[0] > w[1]) {
            return Err(self.fail("an adjacency's offsets do not match its items"));
        }
        Ok(Csr::from_parts(start, items))
    }
}

/// Reads a graph's binary form; `file` names it in errors.
pub fn read_graph(input: &mut impl BufRead, file: &str) -> Result<Graph, LoadError> {
    let mut r = Reader { input, file };
    if r.bytes(MAGIC.len())? != MAGIC {
        return Err(r.fail("not a Rampart engine graph (expected the header \"rampart-graph 2\")"));
    }
    let g = Graph {
        id_bytes: r.column()?,
        id_end: r.column()?,
        country: r.column()?,
        countries: r.strings()?,
        class: r.column()?,
        classes: r.strings()?,
        function: r.column()?,
        functions: r.strings()?,
        lon: r.column()?,
        lat: r.column()?,
        people: r.column()?,
        occupancy: r.column()?,
        value_per_day: r.column()?,
        restoration_h: r.column()?,
        flags: r.column()?,
        member: r.column()?,
        source: r.column()?,
        needs_source: r.column()?,
        group_start: r.column()?,
        group_owner: r.column()?,
        group_service: r.column()?,
        group_k: r.column()?,
        group_outside: r.column()?,
        group_buffer_h: r.column()?,
        suppliers: r.csr()?,
        supplies: r.csr()?,
        links: r.csr()?,
    };
    g.check().map_err(|m| r.fail(m))?;
    Ok(g)
}
