//! `/api/v1/meta`: the vocabularies for pick lists.

use crate::auth::Auth;
use axum::Json;
use rampart_core::{Category, CountryCode, Kind, Role, Sector, Service, Subsector};
use serde_json::{json, Value};

/// Sectors with their subsectors, public-space categories, services, kinds, roles and countries.
#[utoipa::path(get, path = "/api/v1/meta", tag = "meta", responses((status = 200, description = "Vocabularies", body = Object)))]
pub async fn meta(_auth: Auth) -> Json<Value> {
    let sectors: Vec<Value> = Sector::ALL
        .iter()
        .map(|s| {
            let subs: Vec<Value> = Subsector::ALL
                .iter()
                .filter(|x| x.sector() == *s)
                .map(|x| json!({"key": x.key(), "label": x.label()}))
                .collect();
            json!({"key": s.key(), "label": s.label(), "subsectors": subs})
        })
        .collect();
    let pairs = |items: Vec<(&'static str, &'static str)>| items.into_iter().map(|(k, l)| json!({"key": k, "label": l})).collect::<Vec<_>>();
    Json(json!({
        "sectors": sectors,
        "categories": pairs(Category::ALL.iter().map(|c| (c.key(), c.label())).collect()),
        "services": pairs(Service::ALL.iter().map(|c| (c.key(), c.label())).collect()),
        "kinds": Kind::ALL.iter().map(|k| k.key()).collect::<Vec<_>>(),
        "roles": Role::ALL.iter().map(|r| r.key()).collect::<Vec<_>>(),
        "countries": CountryCode::european().map(|c| json!({"code": c.as_str(), "name": c.name()})).collect::<Vec<_>>(),
    }))
}
