//! The library's full-text index (tantivy), kept in memory and brought up to date from
//! the store's change sequence.
//!
//! Each document is indexed with the reader keys its TLP label admits
//! (`rampart_core::library::document_keys`); every search ANDs a filter "one of the
//! reader's keys" into the query itself, so the top-k cut, the total count and the
//! per-kind counts only ever see documents the reader may read. The server re-checks each
//! hit against the stored document with `tlp::may_read` before answering.
//!
//! Why in memory: the index is rebuilt from the database when a process first needs it
//! (about a second per 20,000 documents), so there is no index directory to keep in step
//! with the database, to back up, or to share between processes — each server process has
//! its own and follows the shared change sequence.

use rampart_core::library::{document_keys, DocKind, LibraryDocument};
use rampart_store::Store;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{Facet, FacetOptions, Field, IndexRecordOption, Schema, Value as _, FAST, STORED, STRING, TEXT};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    summary: Field,
    body: Field,
    tag_text: Field,
    tags: Field,
    kind: Field,
    kind_facet: Field,
    readers: Field,
    updated: Field,
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// Words to find (tantivy's query syntax, read leniently); empty lists everything,
    /// most recently updated first.
    pub q: String,
    pub kind: Option<DocKind>,
    pub tag: Option<String>,
    pub limit: usize,
    pub offset: usize,
}

/// One hit: the document id and, for a text search, a highlighted extract of its body
/// (HTML: the text escaped, matches in `<b>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub snippet: String,
}

/// A page of hits with the number of all matching documents the reader may read, and
/// that number per kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub total: usize,
    pub kinds: Vec<(DocKind, u64)>,
    pub hits: Vec<Hit>,
}

/// An in-memory full-text index of library documents.
pub struct LibraryIndex {
    index: Index,
    reader: IndexReader,
    writer: IndexWriter,
    f: Fields,
    /// The last change of the store's sequence applied.
    pub applied: i64,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("library index: {e}")
}

impl LibraryIndex {
    /// An empty index; `memory` bytes are given to the writer's buffer (at least 15 MB).
    pub fn new(memory: usize) -> anyhow::Result<LibraryIndex> {
        let mut sb = Schema::builder();
        let f = Fields {
            id: sb.add_text_field("id", STRING | STORED),
            title: sb.add_text_field("title", TEXT),
            summary: sb.add_text_field("summary", TEXT),
            body: sb.add_text_field("body", TEXT | STORED),
            tag_text: sb.add_text_field("tag_text", TEXT),
            tags: sb.add_text_field("tags", STRING),
            kind: sb.add_text_field("kind", STRING),
            kind_facet: sb.add_facet_field("kind_facet", FacetOptions::default()),
            readers: sb.add_text_field("readers", STRING),
            updated: sb.add_i64_field("updated", FAST),
        };
        let index = Index::create_in_ram(sb.build());
        let writer = index.writer_with_num_threads(1, memory.max(15_000_000)).map_err(err)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err)?;
        Ok(LibraryIndex { index, reader, writer, f, applied: 0 })
    }

    /// Adds (or, with [`remove`](Self::remove) first, replaces) a document; seen by
    /// searches after [`commit`](Self::commit).
    pub fn add(&mut self, d: &LibraryDocument) -> anyhow::Result<()> {
        let f = self.f;
        let c = &d.content;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.title, &c.title);
        doc.add_text(f.summary, &c.summary);
        doc.add_text(f.body, &c.body);
        doc.add_text(f.tag_text, c.tags.join(" "));
        for t in &c.tags {
            doc.add_text(f.tags, t);
        }
        doc.add_text(f.kind, c.kind.key());
        doc.add_facet(f.kind_facet, Facet::from_path([c.kind.key()]));
        for k in document_keys(&d.organisation, c) {
            doc.add_text(f.readers, &k);
        }
        doc.add_i64(f.updated, d.updated_at_ms);
        self.writer.add_document(doc).map_err(err)?;
        Ok(())
    }

    pub fn remove(&mut self, id: &str) {
        self.writer.delete_term(Term::from_field_text(self.f.id, id));
    }

    /// Makes the changes so far visible to searches.
    pub fn commit(&mut self) -> anyhow::Result<()> {
        self.writer.commit().map_err(err)?;
        self.reader.reload().map_err(err)?;
        Ok(())
    }

    /// A new index of every document in the store, and the change it stands at.
    pub async fn build(store: &Store) -> anyhow::Result<LibraryIndex> {
        let (seq, docs) = store.library_snapshot().await?;
        let mut ix = LibraryIndex::new(64_000_000)?;
        for d in &docs {
            ix.add(d)?;
        }
        ix.commit()?;
        ix.applied = seq;
        Ok(ix)
    }

    /// Applies the store's changes after the last one applied.
    pub async fn catch_up(&mut self, store: &Store) -> anyhow::Result<()> {
        let changes = store.library_changes_since(self.applied).await?;
        let Some(last) = changes.last().map(|c| c.seq) else { return Ok(()) };
        let mut ids: Vec<String> = changes.into_iter().map(|c| c.document_id).collect();
        ids.sort();
        ids.dedup();
        let docs = store.library_documents_by_id(&ids).await?;
        for id in &ids {
            self.remove(id);
        }
        for d in &docs {
            self.add(d)?;
        }
        self.commit()?;
        self.applied = last;
        Ok(())
    }

    /// Searches as a reader holding `keys` (`None`: an administrator, who reads all).
    pub fn search(&self, req: &SearchRequest, keys: Option<&[String]>) -> anyhow::Result<Found> {
        let f = self.f;
        let searcher = self.reader.searcher();
        let q = req.q.trim();
        let text: Option<Box<dyn Query>> = if q.is_empty() {
            None
        } else {
            let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.summary, f.body, f.tag_text]);
            parser.set_conjunction_by_default();
            parser.set_field_boost(f.title, 3.0);
            parser.set_field_boost(f.tag_text, 2.0);
            parser.set_field_boost(f.summary, 1.5);
            Some(parser.parse_query_lenient(q).0)
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text.as_ref().map(|t| t.box_clone()).unwrap_or_else(|| Box::new(AllQuery)))];
        let term = |field: Field, v: &str| -> Box<dyn Query> { Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic)) };
        if let Some(k) = req.kind {
            clauses.push((Occur::Must, term(f.kind, k.key())));
        }
        if let Some(t) = &req.tag {
            clauses.push((Occur::Must, term(f.tags, &t.trim().to_lowercase())));
        }
        if let Some(keys) = keys {
            let any: Vec<(Occur, Box<dyn Query>)> = keys.iter().map(|k| (Occur::Should, term(f.readers, k))).collect();
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0))));
        }
        let query = BooleanQuery::new(clauses);
        let mut facets = FacetCollector::for_field("kind_facet");
        facets.add_facet(Facet::root());
        let limit = req.limit.clamp(1, 100);
        let page = TopDocs::with_limit(limit).and_offset(req.offset.min(10_000));
        let (addresses, total, facet_counts): (Vec<DocAddress>, usize, _) = if text.is_some() {
            let (top, total, fc) = searcher.search(&query, &(page, Count, facets)).map_err(err)?;
            (top.into_iter().map(|(_, a)| a).collect(), total, fc)
        } else {
            let (top, total, fc) = searcher.search(&query, &(page.order_by_fast_field::<i64>("updated", Order::Desc), Count, facets)).map_err(err)?;
            (top.into_iter().map(|(_, a)| a).collect(), total, fc)
        };
        let kinds = DocKind::ALL
            .iter()
            .filter_map(|k| facet_counts.get(Facet::root()).find(|(facet, _)| facet == &&Facet::from_path([k.key()])).map(|(_, n)| (*k, n)))
            .collect();
        let snippets = match &text {
            Some(t) => {
                let mut g = SnippetGenerator::create(&searcher, &**t, f.body).map_err(err)?;
                g.set_max_num_chars(240);
                Some(g)
            }
            None => None,
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for a in addresses {
            let doc: TantivyDocument = searcher.doc(a).map_err(err)?;
            let id = doc.get_first(f.id).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let snippet = snippets.as_ref().map(|g| g.snippet_from_doc(&doc).to_html()).unwrap_or_default();
            hits.push(Hit { id, snippet });
        }
        Ok(Found { total, kinds, hits })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rampart_core::library::{may_read, DocumentContent, Reader};
    use rampart_core::{CommunityId, OrgId, Tlp, Username};
    use std::collections::BTreeSet;

    const WORDS: [&str; 4] = ["alpha", "bravo", "charlie", "delta"];

    fn org(i: usize) -> OrgId {
        OrgId::parse(&format!("org-{i}")).expect("org")
    }
    fn community(i: usize) -> CommunityId {
        CommunityId::parse(&format!("c-{i}")).expect("community")
    }
    fn user(i: usize) -> Username {
        Username::parse(&format!("u{i}")).expect("user")
    }

    /// Originating organisation, label, community, named users, recipient organisations, body words, kind.
    type Generated = (usize, Tlp, Option<usize>, Vec<usize>, Vec<usize>, Vec<usize>, usize);

    fn any_doc() -> impl Strategy<Value = Generated> {
        (
            0..4usize,
            prop::sample::select(Tlp::ALL.to_vec()),
            prop::option::of(0..3usize),
            prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=2),
            prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=2),
            prop::sample::subsequence(vec![0usize, 1, 2, 3], 1..=3),
            0..5usize,
        )
    }

    fn any_reader() -> impl Strategy<Value = Reader> {
        (0..4usize, 0..4usize, prop::sample::subsequence(vec![0usize, 1, 2], 0..=3), prop::option::of(0..4usize), prop::bool::weighted(0.1)).prop_map(
            |(u, o, cs, s, admin)| Reader {
                username: user(u),
                organisation: org(o),
                communities: cs.into_iter().map(community).collect(),
                supervisor: s.map(org),
                admin,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// For random documents, labels and readers, a search answers exactly the
        /// readable matching documents — no more, no fewer — and counts exactly them.
        #[test]
        fn search_equals_the_readable_matches(docs in prop::collection::vec(any_doc(), 0..40), readers in prop::collection::vec(any_reader(), 1..6),
                                               word in prop::sample::select(WORDS.to_vec())) {
            let mut ix = LibraryIndex::new(15_000_000).expect("index");
            let mut all = Vec::new();
            for (i, (o, tlp, c, users, orgs, words, kind)) in docs.into_iter().enumerate() {
                let body: Vec<&str> = words.iter().map(|w| WORDS[*w]).collect();
                let d = LibraryDocument {
                    id: format!("d{i}"),
                    organisation: org(o),
                    author: user(0),
                    content: DocumentContent {
                        kind: DocKind::ALL[kind],
                        title: format!("document {i}"),
                        summary: String::new(),
                        body: body.join(" "),
                        tags: vec![],
                        language: "en".into(),
                        sectors: vec![],
                        tlp,
                        community: c.map(community),
                        recipients: users.into_iter().map(user).collect(),
                        recipient_orgs: orgs.into_iter().map(org).collect(),
                    },
                    version: 1,
                    created_at_ms: i as i64,
                    updated_at_ms: i as i64,
                };
                ix.add(&d).expect("add");
                all.push(d);
            }
            ix.commit().expect("commit");
            for r in &readers {
                let keys = r.keys();
                let req = SearchRequest { q: word.into(), limit: 100, ..Default::default() };
                let found = ix.search(&req, if r.admin { None } else { Some(&keys) }).expect("search");
                let got: BTreeSet<String> = found.hits.iter().map(|h| h.id.clone()).collect();
                let expected: BTreeSet<String> = all.iter().filter(|d| may_read(d, r) && d.content.body.split(' ').any(|w| w == word)).map(|d| d.id.clone()).collect();
                prop_assert_eq!(&got, &expected);
                prop_assert_eq!(found.total, expected.len());
                prop_assert_eq!(found.kinds.iter().map(|(_, n)| *n as usize).sum::<usize>(), expected.len());
                // Without words: every readable document, newest first.
                let listed = ix.search(&SearchRequest { limit: 100, ..Default::default() }, if r.admin { None } else { Some(&keys) }).expect("list");
                let readable: Vec<String> = all.iter().rev().filter(|d| may_read(d, r)).map(|d| d.id.clone()).collect();
                prop_assert_eq!(listed.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), readable);
            }
        }
    }
}
