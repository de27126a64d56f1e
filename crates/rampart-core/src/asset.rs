//! Assets: critical-infrastructure sites and public spaces.

use crate::error::{Collector, Invalid};
use crate::fields::{self, count, non_negative, object, optional, required, text, Object};
use crate::{AssetId, Category, CountryCode, Geometry, OrgId, Sector, Subsector};
use serde_json::{json, Value};

/// Longest accepted asset name, in characters.
pub const MAX_NAME: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Infrastructure,
    PublicSpace,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Infrastructure, Kind::PublicSpace];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Infrastructure => "infrastructure",
            Kind::PublicSpace => "public_space",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "infrastructure" => Ok(Kind::Infrastructure),
            "public_space" => Ok(Kind::PublicSpace),
            other => Err(Invalid::one("", format!("expected \"infrastructure\" or \"public_space\", found {other:?}"))),
        }
    }
}

/// A registry asset. Invariants, checked by [`Asset::from_json`]: infrastructure has a
/// sector; a subsector belongs to the asset's sector; a public space has a category.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: AssetId,
    pub name: String,
    pub kind: Kind,
    pub sector: Option<Sector>,
    pub subsector: Option<Subsector>,
    pub category: Option<Category>,
    pub geometry: Geometry,
    pub country: CountryCode,
    pub operator_id: Option<OrgId>,
    /// People who depend on the asset's service (its service population).
    pub people_served: Option<u64>,
    /// Most people present at once (public spaces, venues).
    pub peak_occupancy: Option<u64>,
    /// Economic value of one day of service, in euro.
    pub value_per_day: Option<f64>,
    /// Hours to restore service after a failure.
    pub restoration_hours: Option<f64>,
    pub attributes: Object,
}

fn name(v: &Value) -> Result<String, Invalid> {
    let s = fields::string(v)?;
    match s.chars().count() {
        0 => Err(Invalid::one("", "must not be empty")),
        n if n > MAX_NAME => Err(Invalid::one("", format!("must be at most {MAX_NAME} characters, found {n}"))),
        _ => Ok(s),
    }
}

impl Asset {
    /// The fields of the asset's JSON form, in the order of CSV columns.
    pub const FIELDS: [&'static str; 14] = [
        "id", "name", "kind", "sector", "subsector", "category", "geometry", "country", "operator_id", "people_served",
        "peak_occupancy", "value_per_day", "restoration_hours", "attributes",
    ];

    /// Parses an asset from its JSON form, reporting every field at fault.
    /// `kind` defaults from the presence of `category` when it is absent.
    pub fn from_json(obj: &Object) -> Result<Asset, Invalid> {
        let mut c = Collector::default();
        let id = required(&mut c, obj, "id", text(AssetId::parse));
        let name = required(&mut c, obj, "name", name);
        let category = optional(&mut c, obj, "category", text(Category::parse));
        let kind = match obj.get("kind").filter(|v| !v.is_null() && v.as_str() != Some("")) {
            Some(_) => required(&mut c, obj, "kind", text(Kind::parse)),
            None => category.map(|cat| if cat.is_some() { Kind::PublicSpace } else { Kind::Infrastructure }),
        };
        let sector = optional(&mut c, obj, "sector", text(Sector::parse));
        let subsector = optional(&mut c, obj, "subsector", text(Subsector::parse));
        let geometry = required(&mut c, obj, "geometry", |v| Geometry::from_geojson(&fields::json_value(v)?));
        let country = required(&mut c, obj, "country", text(CountryCode::parse));
        let operator_id = optional(&mut c, obj, "operator_id", text(OrgId::parse));
        let people_served = optional(&mut c, obj, "people_served", count);
        let peak_occupancy = optional(&mut c, obj, "peak_occupancy", count);
        let value_per_day = optional(&mut c, obj, "value_per_day", non_negative);
        let restoration_hours = optional(&mut c, obj, "restoration_hours", non_negative);
        let attributes = optional(&mut c, obj, "attributes", object);

        if let (Some(Kind::Infrastructure), Some(None)) = (kind, sector) {
            c.push("sector", "is required for infrastructure");
        }
        if let (Some(Kind::PublicSpace), Some(None)) = (kind, category) {
            c.push("category", "is required for a public space");
        }
        if let (Some(Some(sub)), Some(sec)) = (subsector, sector) {
            if sec != Some(sub.sector()) {
                c.push("subsector", format!("{:?} belongs to sector {:?}", sub.key(), sub.sector().key()));
            }
        }
        c.finish(|| {
            Some(Asset {
                id: id?,
                name: name?,
                kind: kind?,
                sector: sector?,
                subsector: subsector?,
                category: category?,
                geometry: geometry?,
                country: country?,
                operator_id: operator_id?,
                people_served: people_served?,
                peak_occupancy: peak_occupancy?,
                value_per_day: value_per_day?,
                restoration_hours: restoration_hours?,
                attributes: attributes?.unwrap_or_default(),
            })
        })
    }

    /// The asset's JSON form (the inverse of [`Asset::from_json`]).
    pub fn to_json(&self) -> Object {
        let v = json!({
            "id": self.id,
            "name": self.name,
            "kind": self.kind.key(),
            "sector": self.sector,
            "subsector": self.subsector,
            "category": self.category,
            "geometry": self.geometry.to_geojson(),
            "country": self.country,
            "operator_id": self.operator_id,
            "people_served": self.people_served,
            "peak_occupancy": self.peak_occupancy,
            "value_per_day": self.value_per_day,
            "restoration_hours": self.restoration_hours,
            "attributes": self.attributes,
        });
        match v {
            Value::Object(m) => m,
            _ => Object::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    fn substation() -> Value {
        json!({
            "id": "FI-SUB-1", "name": "Helsinki Central substation", "kind": "infrastructure",
            "sector": "energy", "subsector": "electricity",
            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}, "country": "FI",
            "people_served": 120000, "value_per_day": 2.5e6, "restoration_hours": 72
        })
    }

    #[test]
    fn parses_and_round_trips() {
        let a = Asset::from_json(&obj(substation()));
        assert_eq!(a.as_ref().map(|a| a.subsector), Ok(Some(Subsector::Electricity)));
        let back = a.as_ref().map(|a| Asset::from_json(&a.to_json()));
        assert_eq!(back.as_ref().ok().and_then(|r| r.as_ref().ok()), a.as_ref().ok());
    }

    #[test]
    fn reports_every_bad_field() {
        let mut v = substation();
        v["country"] = json!("XX");
        v["people_served"] = json!(-3);
        v["subsector"] = json!("rail");
        v["name"] = json!("");
        let err = Asset::from_json(&obj(v)).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "country", "people_served", "subsector"]);
        assert_eq!(err.0[2].message, "expected a whole number >= 0, found -3");
        assert_eq!(err.0[3].message, "\"rail\" belongs to sector \"transport\"");
    }

    #[test]
    fn public_space_needs_category_and_infrastructure_needs_sector() {
        let e = Asset::from_json(&obj(json!({"id":"x","name":"Square","kind":"public_space",
            "geometry":{"type":"Point","coordinates":[1,1]},"country":"FR"}))).unwrap_err();
        assert_eq!(e.to_string(), "category: is required for a public space");
        let e = Asset::from_json(&obj(json!({"id":"x","name":"Plant",
            "geometry":{"type":"Point","coordinates":[1,1]},"country":"FR"}))).unwrap_err();
        assert_eq!(e.to_string(), "sector: is required for infrastructure");
    }

    #[test]
    fn csv_strings_are_accepted_for_numbers_and_geometry() {
        let a = Asset::from_json(&obj(json!({"id":"s1","name":"Stade","category":"stadium","country":"fr",
            "geometry":"{\"type\":\"Point\",\"coordinates\":[2.36,48.92]}","peak_occupancy":"80000"})));
        assert_eq!(a.as_ref().map(|a| (a.kind, a.peak_occupancy)), Ok((Kind::PublicSpace, Some(80000))));
    }
}
