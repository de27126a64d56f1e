//! The registry's vocabularies: sectors and subsectors of Directive (EU) 2022/2557's
//! annex (with the transport subsectors of Directive 2008/114/EC), public-space
//! categories and the services one asset supplies to another.


#[macro_export]
#[doc(hidden)]
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $key:literal, $label:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable key used in files, URLs and the database.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),* }
            }

            /// The English label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::Invalid> {
                let wanted = s.trim();
                Self::ALL.iter().copied().find(|v| v.key() == wanted).ok_or_else(|| {
                    let keys: Vec<&str> = Self::ALL.iter().map(|v| v.key()).collect();
                    $crate::Invalid::one("", format!("unknown {} {:?}; expected one of: {}", $what, s, keys.join(", ")))
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::Invalid;
            fn try_from(s: String) -> Result<Self, $crate::Invalid> { Self::parse(&s) }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str { v.key() }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.key()) }
        }
    };
}

crate::vocabulary!(
    /// The eleven sectors of the annex to Directive (EU) 2022/2557 (CER).
    Sector, "sector" {
        Energy = "energy", "Energy";
        Transport = "transport", "Transport";
        Banking = "banking", "Banking";
        FinancialMarket = "financial_market", "Financial market infrastructure";
        Health = "health", "Health";
        DrinkingWater = "drinking_water", "Drinking water";
        WasteWater = "waste_water", "Waste water";
        Digital = "digital", "Digital infrastructure";
        PublicAdministration = "public_administration", "Public administration";
        Space = "space", "Space";
        Food = "food", "Production, processing and distribution of food";
    }
);

crate::vocabulary!(
    /// Subsectors of the CER annex; `inland_waterways` and `maritime` follow the
    /// transport split of Directive 2008/114/EC.
    Subsector, "subsector" {
        Electricity = "electricity", "Electricity";
        DistrictHeating = "district_heating", "District heating and cooling";
        Oil = "oil", "Oil";
        Gas = "gas", "Gas";
        Hydrogen = "hydrogen", "Hydrogen";
        Air = "air", "Air";
        Rail = "rail", "Rail";
        Water = "water", "Water (inland and maritime)";
        InlandWaterways = "inland_waterways", "Inland waterways";
        Maritime = "maritime", "Ocean and short-sea shipping and ports";
        Road = "road", "Road";
        PublicTransport = "public_transport", "Public transport";
    }
);

impl Subsector {
    /// The sector a subsector belongs to.
    pub fn sector(self) -> Sector {
        use Subsector::*;
        match self {
            Electricity | DistrictHeating | Oil | Gas | Hydrogen => Sector::Energy,
            Air | Rail | Water | InlandWaterways | Maritime | Road | PublicTransport => Sector::Transport,
        }
    }
}

crate::vocabulary!(
    /// Categories of publicly accessible spaces ("soft targets").
    Category, "public-space category" {
        Stadium = "stadium", "Stadium";
        Arena = "arena", "Arena or concert hall";
        ShoppingCentre = "shopping_centre", "Shopping centre";
        TransportHub = "transport_hub", "Transport hub";
        PlaceOfWorship = "place_of_worship", "Place of worship";
        PedestrianZone = "pedestrian_zone", "Pedestrian zone or square";
        Hospitality = "hospitality", "Hotel or restaurant";
        School = "school", "School or university";
        TouristSite = "tourist_site", "Tourist site or museum";
        EventGround = "event_ground", "Open-air event ground";
        ThemePark = "theme_park", "Theme park";
    }
);

crate::vocabulary!(
    /// Services one asset supplies to another.
    Service, "service" {
        Electricity = "electricity", "Electricity";
        Gas = "gas", "Gas";
        Fuel = "fuel", "Fuel";
        Water = "water", "Drinking water";
        WasteWater = "waste_water", "Waste water";
        Telecom = "telecom", "Telecommunications";
        TransportAccess = "transport_access", "Transport access";
        Heating = "heating", "Heating and cooling";
        Payment = "payment", "Payment";
        Goods = "goods", "Goods supply";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cer_annex_has_eleven_sectors() {
        assert_eq!(Sector::ALL.len(), 11);
    }

    #[test]
    fn subsectors_belong_to_energy_or_transport() {
        assert_eq!(Subsector::parse("hydrogen").map(Subsector::sector), Ok(Sector::Energy));
        assert_eq!(Subsector::parse("maritime").map(Subsector::sector), Ok(Sector::Transport));
    }

    #[test]
    fn unknown_key_lists_the_expected_ones() {
        let err = Sector::parse("nuclear").unwrap_err().to_string();
        assert!(err.starts_with(": unknown sector \"nuclear\"; expected one of: energy, transport, banking"), "{err}");
    }

    #[test]
    fn serde_uses_keys() {
        assert_eq!(serde_json::to_string(&Category::PlaceOfWorship).ok(), Some("\"place_of_worship\"".to_string()));
        assert_eq!(serde_json::from_str::<Service>("\"telecom\"").ok(), Some(Service::Telecom));
    }
}
