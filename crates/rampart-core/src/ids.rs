//! Identifiers, parsed at the boundary.

use crate::error::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, Invalid> {
                let allowed: fn(char) -> bool = $allowed;
                if s.is_empty() || s.len() > $max {
                    return Err(Invalid::one("", format!("{} must be 1 to {} characters long", $what, $max)));
                }
                if let Some(c) = s.chars().find(|c| !allowed(*c)) {
                    return Err(Invalid::one("", format!("{} may not contain {:?}", $what, c)));
                }
                Ok(Self(s.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = Invalid;
            fn try_from(s: String) -> Result<Self, Invalid> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                Self::parse(s)
            }
        }
    };
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/')
}

text_id!(
    /// A registry asset's stable id, e.g. `DE-SUB-000123` or `osm:node/123456`.
    AssetId, "an asset id", 100, id_char
);
text_id!(
    /// An organisation's id, e.g. `de-bbk` or `op-000042`.
    OrgId, "an organisation id", 64, id_char
);
text_id!(
    /// A sharing community's id, e.g. `eu-stadium-security`.
    CommunityId, "a community id", 64, id_char
);
text_id!(
    /// A login name: letters, digits and `.-_@`.
    Username, "a username", 64, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')
);

impl Username {
    /// A name no login can have (`parse` refuses the `#`), for a principal that stands
    /// for an organisation as a whole and so is never a person named on an item.
    pub(crate) fn of_organisation(org: &OrgId) -> Username {
        Username(format!("#{org}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_s_name_is_no_login_name() {
        let name = Username::of_organisation(&OrgId::parse("de-op-grid").unwrap());
        assert_eq!(name.as_str(), "#de-op-grid");
        assert!(Username::parse(name.as_str()).is_err());
    }

    #[test]
    fn asset_ids_accept_registry_and_osm_forms() {
        assert_eq!(AssetId::parse("DE-SUB-000123").map(|i| i.to_string()), Ok("DE-SUB-000123".to_string()));
        assert!(AssetId::parse("osm:way/4242").is_ok());
    }

    #[test]
    fn asset_ids_reject_empty_spaces_and_overlong() {
        assert_eq!(AssetId::parse("").unwrap_err().to_string(), ": an asset id must be 1 to 100 characters long");
        assert_eq!(AssetId::parse("a b").unwrap_err().to_string(), ": an asset id may not contain ' '");
        assert!(AssetId::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn ids_deserialize_only_when_valid() {
        let ok: Result<Username, _> = serde_json::from_str("\"ana.pereira\"");
        assert!(ok.is_ok());
        let bad: Result<Username, _> = serde_json::from_str("\"ana pereira\"");
        assert!(bad.is_err());
    }
}
