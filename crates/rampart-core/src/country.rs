//! ISO 3166-1 alpha-2 country codes.

use crate::error::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every officially assigned ISO 3166-1 alpha-2 code, plus `XK` (Kosovo, user-assigned
/// but used by the EU and GeoNames).
const ASSIGNED: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK \
FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM \
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM \
US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

/// The member states of the European Union.
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
    "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// English short names of the European countries the registry usually holds.
const EUROPEAN_NAMES: &[(&str, &str)] = &[
    ("AL", "Albania"), ("AD", "Andorra"), ("AT", "Austria"), ("BA", "Bosnia and Herzegovina"), ("BE", "Belgium"),
    ("BG", "Bulgaria"), ("BY", "Belarus"), ("CH", "Switzerland"), ("CY", "Cyprus"), ("CZ", "Czechia"), ("DE", "Germany"),
    ("DK", "Denmark"), ("EE", "Estonia"), ("ES", "Spain"), ("FI", "Finland"), ("FR", "France"), ("GB", "United Kingdom"),
    ("GR", "Greece"), ("HR", "Croatia"), ("HU", "Hungary"), ("IE", "Ireland"), ("IS", "Iceland"), ("IT", "Italy"),
    ("LI", "Liechtenstein"), ("LT", "Lithuania"), ("LU", "Luxembourg"), ("LV", "Latvia"), ("MC", "Monaco"),
    ("MD", "Moldova"), ("ME", "Montenegro"), ("MK", "North Macedonia"), ("MT", "Malta"), ("NL", "Netherlands"),
    ("NO", "Norway"), ("PL", "Poland"), ("PT", "Portugal"), ("RO", "Romania"), ("RS", "Serbia"), ("RU", "Russia"),
    ("SE", "Sweden"), ("SI", "Slovenia"), ("SK", "Slovakia"), ("SM", "San Marino"), ("TR", "Türkiye"),
    ("UA", "Ukraine"), ("VA", "Vatican City"), ("XK", "Kosovo"),
];

/// An ISO 3166-1 alpha-2 code such as `DE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses an alpha-2 code; lower case is accepted and normalised.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let upper = s.trim().to_ascii_uppercase();
        let b = upper.as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_uppercase) && ASSIGNED.split(' ').any(|c| c == upper) {
            Ok(Self([b[0], b[1]]))
        } else {
            Err(Invalid::one("", format!("expected an ISO 3166-1 alpha-2 country code such as \"DE\", found {s:?}")))
        }
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    pub fn is_eu_member(&self) -> bool {
        EU_MEMBER_STATES.contains(&self.as_str())
    }

    /// English short name for European countries, the code otherwise.
    pub fn name(&self) -> &'static str {
        EUROPEAN_NAMES
            .iter()
            .find(|(c, _)| *c == self.as_str())
            .map(|(_, n)| *n)
            .unwrap_or_else(|| ASSIGNED.split(' ').find(|c| *c == self.as_str()).unwrap_or("??"))
    }

    /// The European countries with a name, for pick lists.
    pub fn european() -> impl Iterator<Item = CountryCode> {
        EUROPEAN_NAMES.iter().filter_map(|(c, _)| CountryCode::parse(c).ok())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(CountryCode::parse("de").map(|c| c.to_string()), Ok("DE".to_string()));
        assert_eq!(CountryCode::parse("XK").map(|c| c.name()), Ok("Kosovo"));
        assert!(CountryCode::parse("FR").map(|c| c.is_eu_member()).unwrap_or(false));
        assert!(!CountryCode::parse("NO").map(|c| c.is_eu_member()).unwrap_or(true));
    }

    #[test]
    fn rejects_unassigned_and_malformed() {
        for bad in ["ZZ", "DEU", "D", "", "1A", "EU"] {
            assert!(CountryCode::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert_eq!(
            CountryCode::parse("ZZ").unwrap_err().to_string(),
            ": expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"ZZ\""
        );
    }

    #[test]
    fn assigned_list_has_every_code_once() {
        let codes: Vec<&str> = ASSIGNED.split(' ').collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        assert_eq!(codes.len(), 250);
    }
}
