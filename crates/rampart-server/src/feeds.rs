//! Atom feeds (RFC 4287) per audience: the published alerts a reader may read, the
//! alerts shared with one of their communities, and the incident notifications they may
//! read — for feed readers and dashboards that poll. Feeds are behind the API's
//! authentication (a Bearer token for unattended readers) and hold exactly what the
//! same reader sees through the API; a community feed of a community the reader's
//! organisation is not in is "not found".

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::{rfc3339, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use rampart_core::{AlertState, CommunityId, Principal, Role};

/// Entries in one feed, newest first.
const MAX_ENTRIES: usize = 200;

struct Entry {
    id: String,
    title: String,
    updated: i64,
    author: String,
    summary: String,
    category: String,
    link: String,
}

fn atom(feed_id: &str, title: &str, self_link: &str, entries: &[Entry], now: i64) -> Response {
    let updated = entries.iter().map(|e| e.updated).max().unwrap_or(now);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x += &format!("  <id>urn:rampart:feed:{}</id>\n  <title>{}</title>\n  <updated>{}</updated>\n", escape(feed_id), escape(title), rfc3339(updated));
    x += &format!("  <link rel=\"self\" href=\"{}\"/>\n  <generator>Rampart</generator>\n", escape(self_link));
    for e in entries {
        x += "  <entry>\n";
        x += &format!("    <id>urn:rampart:{}</id>\n    <title>{}</title>\n    <updated>{}</updated>\n", escape(&e.id), escape(&e.title), rfc3339(e.updated));
        x += &format!("    <author><name>{}</name></author>\n", escape(&e.author));
        x += &format!("    <category term=\"{}\"/>\n", escape(&e.category));
        x += &format!("    <link href=\"{}\"/>\n", escape(&e.link));
        x += &format!("    <summary>{}</summary>\n", escape(&e.summary));
        x += "  </entry>\n";
    }
    x += "</feed>\n";
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"))], x).into_response()
}

async fn alert_entries(state: &AppState, p: &Principal, community: Option<&CommunityId>) -> ApiResult<Vec<Entry>> {
    let mut out = Vec::new();
    let q = rampart_store::AlertListQuery { state: Some(AlertState::Published), community: community.cloned(), limit: MAX_ENTRIES as u32, ..Default::default() };
    for a in state.store.readable_alerts(p, &q).await?.items {
        if a.state != AlertState::Published || !a.access().may_read(p) || community.is_some_and(|c| a.community.as_ref() != Some(c)) {
            continue;
        }
        out.push(Entry {
            id: format!("alert:{}", a.id),
            title: format!("[{}] {}", a.tlp.as_str(), a.doc.headline),
            updated: a.published_at.unwrap_or(a.updated_at),
            author: a.organisation.to_string(),
            summary: format!("CAP {} {} from {} ({}).", a.doc.msg_type, a.doc.identifier, a.doc.sender, a.tlp.as_str()),
            category: a.tlp.as_str().to_string(),
            link: format!("/#/alerts/{}", a.id),
        });
    }
    out.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| b.id.cmp(&a.id)));
    out.truncate(MAX_ENTRIES);
    Ok(out)
}

/// `GET /api/v1/feeds/alerts.atom`: the published alerts the caller may read.
#[utoipa::path(get, path = "/api/v1/feeds/alerts.atom", tag = "sharing", responses((status = 200, description = "An Atom feed", content_type = "application/atom+xml")))]
pub async fn alerts(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Response> {
    let entries = alert_entries(&state, &p, None).await?;
    Ok(atom(&format!("alerts:{}", p.username), &format!("Alerts for {}", p.username), "/api/v1/feeds/alerts.atom", &entries, state.clock.now_ms()))
}

/// `GET /api/v1/feeds/communities/{id}.atom`: the alerts shared with one of the caller's communities.
#[utoipa::path(get, path = "/api/v1/feeds/communities/{id}", tag = "sharing", params(("id" = String, Path, description = "the community id with .atom")),
    responses((status = 200, description = "An Atom feed", content_type = "application/atom+xml"), (status = 404, body = crate::error::Problem)))]
pub async fn community(State(state): State<AppState>, Auth(p): Auth, Path(file): Path<String>) -> ApiResult<Response> {
    let missing = || ApiError::NotFound(format!("feed {file}"));
    let id = file.strip_suffix(".atom").ok_or_else(missing)?;
    let cid = CommunityId::parse(id).map_err(|_| missing())?;
    let c = state.store.get_community(&cid).await?.filter(|c| p.role == Role::Admin || c.members.contains(&p.organisation)).ok_or_else(missing)?;
    let entries = alert_entries(&state, &p, Some(&cid)).await?;
    Ok(atom(&format!("community:{cid}"), &format!("Alerts shared with {}", c.name), &format!("/api/v1/feeds/communities/{file}"), &entries, state.clock.now_ms()))
}

/// `GET /api/v1/feeds/incidents.atom`: the notified incidents the caller may read.
#[utoipa::path(get, path = "/api/v1/feeds/incidents.atom", tag = "sharing", responses((status = 200, description = "An Atom feed", content_type = "application/atom+xml")))]
pub async fn incidents(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut entries: Vec<Entry> = crate::incidents::visible(&state.store, &p)
        .await?
        .into_iter()
        .filter_map(|i| {
            let at = i.closed_at.or(i.detailed_at).or(i.initial_at)?;
            let v = crate::incidents::to_json(&i, None, now);
            Some(Entry {
                id: format!("incident:{}", i.id),
                title: format!("[{}] {}", i.report.tlp.as_str(), i.report.title),
                updated: at,
                author: i.entity_id.to_string(),
                summary: format!(
                    "{} — {} users affected in {}; {}.",
                    v["state"].as_str().unwrap_or(""),
                    i.report.significance.users_affected,
                    i.report.significance.area,
                    if v["overdue"] == serde_json::json!(true) { "a deadline is overdue" } else { "no deadline overdue" }
                ),
                category: i.report.tlp.as_str().to_string(),
                link: format!("/#/incidents/{}", i.id),
            })
        })
        .collect();
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| b.id.cmp(&a.id)));
    entries.truncate(MAX_ENTRIES);
    Ok(atom(&format!("incidents:{}", p.username), &format!("Incident notifications for {}", p.username), "/api/v1/feeds/incidents.atom", &entries, now))
}
