//! STIX 2.1, the read-only TAXII 2.1 server and the Atom feeds: what each reader gets, under TLP.

use crate::alerts::{cap_json, publish, AROUND_GRID};
use crate::helpers::{spawn_app, Client};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

async fn taxii(c: &Client, path: &str) -> (u16, Value, String) {
    let r = c.http.get(format!("{}{path}", c.base)).header("accept", "application/taxii+json;version=2.1").send().await.expect("taxii");
    let status = r.status().as_u16();
    let media = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, r.json().await.unwrap_or(Value::Null), media)
}

fn ids(envelope: &Value, kind: &str) -> Vec<String> {
    envelope["objects"].as_array().map(|a| a.iter().filter(|o| o["type"] == kind).filter_map(|o| o["name"].as_str().map(str::to_string)).collect()).unwrap_or_default()
}

#[tokio::test]
async fn collections_and_objects_follow_the_labels() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let r = admin.send(Method::PUT, "/api/v1/communities/de-energy", Some(json!({"name": "German energy", "members": ["de-authority", "de-op-grid"]}))).await;
    assert_eq!(r.status.as_u16(), 201);
    let (analyst, assessor) = (app.login("analyst.de").await, app.login("assessor.de").await);
    // A GREEN alert to the German energy community, and an AMBER one to the operators in the area.
    publish(&analyst, &assessor, json!({"tlp": "TLP:GREEN", "community": "de-energy", "cap": cap_json("Community advisory", AROUND_GRID)})).await;
    app.clock.advance(60_000);
    publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Grid threat", AROUND_GRID)})).await;

    let operator = app.login("operator.de").await;
    let (s, disc, media) = taxii(&operator, "/taxii2/").await;
    assert_eq!((s, disc["api_roots"].clone(), media.as_str()), (200, json!(["/taxii2/api/"]), "application/taxii+json;version=2.1"));
    let (_, root, _) = taxii(&operator, "/taxii2/api/").await;
    assert_eq!(root["versions"], json!(["application/taxii+json;version=2.1"]));
    let (_, cols, _) = taxii(&operator, "/taxii2/api/collections/").await;
    let titles: Vec<&str> = cols["collections"].as_array().expect("collections").iter().filter_map(|c| c["title"].as_str()).collect();
    assert_eq!(titles, ["Everything you may read", "German energy"]);
    let community = cols["collections"][1]["id"].as_str().expect("id").to_string();
    let all = cols["collections"][0]["id"].as_str().expect("id").to_string();

    // The community collection holds the GREEN alert, marked GREEN, with the five TLP 2.0 marking definitions first.
    let (s, env, _) = taxii(&operator, &format!("/taxii2/api/collections/{community}/objects/")).await;
    assert_eq!((s, env["more"].as_bool()), (200, Some(false)));
    assert_eq!(ids(&env, "marking-definition"), ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]);
    let reports: Vec<&Value> = env["objects"].as_array().expect("objects").iter().filter(|o| o["type"] == "report").collect();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0]["name"].as_str(), reports[0]["object_marking_refs"].clone()), (Some("Community advisory"), json!([GREEN])));
    // Everything the operator may read: both alerts (the AMBER one reached it as the operator in the area), paged one by one.
    let (_, page1, _) = taxii(&operator, &format!("/taxii2/api/collections/{all}/objects/?limit=1")).await;
    assert_eq!((page1["more"].as_bool(), page1["next"].as_str(), ids(&page1, "report")), (Some(true), Some("1"), vec!["Community advisory".to_string()]));
    let (_, page2, _) = taxii(&operator, &format!("/taxii2/api/collections/{all}/objects/?limit=1&next=1")).await;
    assert_eq!((page2["more"].as_bool(), ids(&page2, "report"), page2["objects"][0]["object_marking_refs"].clone()), (Some(false), vec!["Grid threat".to_string()], json!([AMBER])));

    // The French analyst is in neither audience: no community collection, nothing in its own, not found for the other.
    let french = app.login("analyst.fr").await;
    let (_, cols, _) = taxii(&french, "/taxii2/api/collections/").await;
    assert_eq!(cols["collections"].as_array().map(Vec::len), Some(1));
    let (_, env, _) = taxii(&french, &format!("/taxii2/api/collections/{all}/objects/")).await;
    assert_eq!(ids(&env, "report"), Vec::<String>::new());
    assert_eq!(taxii(&french, &format!("/taxii2/api/collections/{community}/")).await.0, 404);
    // A client that does not accept TAXII is told so; the STIX bundle carries identities, markings and reports.
    let r = operator.http.get(format!("{}/taxii2/", operator.base)).header("accept", "text/html").send().await.expect("taxii");
    assert_eq!(r.status().as_u16(), 406);
    let b = operator.get("/api/v1/stix/bundle").await.body;
    assert_eq!((b["type"].as_str(), ids(&b, "identity"), ids(&b, "report").len()), (Some("bundle"), vec!["de-authority".to_string()], 2));

    // Atom feeds per audience: the operator's alerts, the community's, and nothing for the French analyst.
    let feed = |c: &Client, path: &str| {
        let url = format!("{}{path}", c.base);
        let http = c.http.clone();
        async move {
            let r = http.get(url).send().await.expect("feed");
            let status = r.status().as_u16();
            let media = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            (status, media, r.text().await.unwrap_or_default())
        }
    };
    let titles = |xml: &str| xml.split("<entry>").skip(1).filter_map(|e| e.split("<title>").nth(1)?.split("</title>").next().map(str::to_string)).collect::<Vec<_>>();
    let (s, media, xml) = feed(&operator, "/api/v1/feeds/alerts.atom").await;
    assert_eq!((s, media.as_str()), (200, "application/atom+xml; charset=utf-8"));
    assert_eq!(titles(&xml), ["[TLP:AMBER] Grid threat", "[TLP:GREEN] Community advisory"]);
    let (_, _, xml) = feed(&operator, "/api/v1/feeds/communities/de-energy.atom").await;
    assert_eq!(titles(&xml), ["[TLP:GREEN] Community advisory"]);
    assert_eq!(feed(&french, "/api/v1/feeds/communities/de-energy.atom").await.0, 404);
    assert_eq!(titles(&feed(&french, "/api/v1/feeds/alerts.atom").await.2), Vec::<String>::new());
    assert_eq!(feed(&operator, "/api/v1/feeds/incidents.atom").await.0, 200);
}
