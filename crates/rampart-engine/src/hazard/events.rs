//! Hazard event sets: events with an annual frequency, centroids (points where the
//! intensity is given) and, per event, the sparse intensity at its centroids.
//!
//! Files (CSV, `#` comments allowed, columns found by header name):
//! - `events.csv`: `event_id, frequency` — frequency per year, finite and ≥ 0;
//! - `centroids.csv`: `centroid_id, lat, lon` — degrees WGS 84;
//! - `intensity.csv`: `event_id, centroid_id, intensity` — finite and ≥ 0, in the
//!   hazard's unit; centroids an event does not list have intensity 0.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use super::table::{for_each_row, DataError};

/// Dense index of an event within its [`EventSet`] (its line order in `events.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u32);

/// Points at which event intensities are given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Centroids {
    pub ids: Vec<String>,
    pub lat: Vec<f64>,
    pub lon: Vec<f64>,
}

impl Centroids {
    pub fn len(&self) -> usize {
        self.lat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lat.is_empty()
    }
}

/// A fault in an event set built in code (file input reports [`DataError`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EventSetError(pub String);

impl fmt::Display for EventSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EventSetError {}

/// Events, their frequencies and their sparse footprints (compressed rows: event `e`
/// owns entries `offsets[e]..offsets[e+1]`, centroids ascending).
#[derive(Debug, Clone, PartialEq)]
pub struct EventSet {
    event_ids: Vec<String>,
    frequency: Vec<f64>,
    centroids: Centroids,
    offsets: Vec<usize>,
    centroid: Vec<u32>,
    intensity: Vec<f64>,
}

/// A named input for [`EventSet::parse`]: the name is used in error messages.
pub struct Input<'a, R> {
    pub name: &'a str,
    pub reader: R,
}

impl<'a, R: Read> Input<'a, R> {
    pub fn new(name: &'a str, reader: R) -> Input<'a, R> {
        Input { name, reader }
    }
}

impl EventSet {
    /// An event set from its compressed rows. Checks: at least one event; ids unique;
    /// frequencies finite and ≥ 0; coordinates in range; offsets consistent; centroid
    /// indices in range and strictly increasing within an event; intensities finite and
    /// ≥ 0.
    pub fn from_parts(
        event_ids: Vec<String>,
        frequency: Vec<f64>,
        centroids: Centroids,
        offsets: Vec<usize>,
        centroid: Vec<u32>,
        intensity: Vec<f64>,
    ) -> Result<EventSet, EventSetError> {
        let fail = |m: String| Err(EventSetError(m));
        if event_ids.is_empty() {
            return fail("the event set has no events".into());
        }
        if frequency.len() != event_ids.len() || offsets.len() != event_ids.len() + 1 {
            return fail("event ids, frequencies and offsets disagree in length".into());
        }
        if let Some((i, f)) = frequency.iter().enumerate().find(|(_, f)| !(f.is_finite() && **f >= 0.0)) {
            return fail(format!("event {:?} has frequency {f}; expected a finite number ≥ 0", event_ids[i]));
        }
        if centroids.ids.len() != centroids.lat.len() || centroids.lon.len() != centroids.lat.len() {
            return fail("centroid ids, lat and lon disagree in length".into());
        }
        for i in 0..centroids.len() {
            if !(centroids.lat[i].is_finite() && (-90.0..=90.0).contains(&centroids.lat[i])) {
                return fail(format!("centroid {:?} has lat {}; expected -90..90", centroids.ids[i], centroids.lat[i]));
            }
            if !(centroids.lon[i].is_finite() && (-180.0..=180.0).contains(&centroids.lon[i])) {
                return fail(format!("centroid {:?} has lon {}; expected -180..180", centroids.ids[i], centroids.lon[i]));
            }
        }
        if offsets[0] != 0 || offsets.windows(2).any(|w| w[0] > w[1]) || offsets[offsets.len() - 1] != centroid.len() || centroid.len() != intensity.len() {
            return fail("offsets must start at 0, not decrease and end at the number of entries".into());
        }
        for e in 0..event_ids.len() {
            let row = &centroid[offsets[e]..offsets[e + 1]];
            if row.windows(2).any(|w| w[0] >= w[1]) || row.iter().any(|&c| c as usize >= centroids.len()) {
                return fail(format!("event {:?}: centroid indices must be in range and strictly increasing", event_ids[e]));
            }
        }
        if let Some(v) = intensity.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return fail(format!("intensity {v} is not a finite number ≥ 0"));
        }
        let mut seen = HashMap::with_capacity(event_ids.len());
        for id in &event_ids {
            if seen.insert(id.as_str(), ()).is_some() {
                return fail(format!("duplicate event id {id:?}"));
            }
        }
        Ok(EventSet { event_ids, frequency, centroids, offsets, centroid, intensity })
    }

    /// An event set from dense intensities (one value per centroid per event, e.g. a
    /// [`crate::hazard::footprint::Footprint`] sampled at the centroids); zeros are
    /// dropped. Same checks as [`EventSet::from_parts`].
    pub fn from_dense(
        event_ids: Vec<String>,
        frequency: Vec<f64>,
        centroids: Centroids,
        intensities: &[Vec<f64>],
    ) -> Result<EventSet, EventSetError> {
        if intensities.len() != event_ids.len() || intensities.iter().any(|row| row.len() != centroids.len()) {
            return Err(EventSetError("one intensity per centroid per event is needed".into()));
        }
        let mut offsets = vec![0];
        let (mut centroid, mut intensity) = (Vec::new(), Vec::new());
        for row in intensities {
            for (c, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    centroid.push(c as u32);
                    intensity.push(v);
                }
            }
            offsets.push(centroid.len());
        }
        EventSet::from_parts(event_ids, frequency, centroids, offsets, centroid, intensity)
    }

    /// Reads the three files of an event set. Zero intensities are dropped.
    pub fn parse<R1: Read, R2: Read, R3: Read>(
        events: Input<'_, R1>,
        centroids: Input<'_, R2>,
        intensity: Input<'_, R3>,
    ) -> Result<EventSet, DataError> {
        let mut event_ids: Vec<String> = Vec::new();
        let mut frequency: Vec<f64> = Vec::new();
        let mut event_index: HashMap<String, (u32, u64)> = HashMap::new();
        for_each_row(events.name, events.reader, &["event_id", "frequency"], |row| {
            let id = row.text(0)?;
            let f = row.number(1)?;
            if f < 0.0 {
                return Err(row.error(1, format!("must not be negative, got {f}")));
            }
            if let Some((_, line)) = event_index.get(id) {
                return Err(row.error(0, format!("duplicate event id {id:?} (first on line {line})")));
            }
            event_index.insert(id.to_string(), (event_ids.len() as u32, row.line));
            event_ids.push(id.to_string());
            frequency.push(f);
            Ok(())
        })?;
        if event_ids.is_empty() {
            return Err(DataError::new(events.name, 0, "", "has no events; an event set needs at least one"));
        }

        let mut cents = Centroids::default();
        let mut centroid_index: HashMap<String, (u32, u64)> = HashMap::new();
        for_each_row(centroids.name, centroids.reader, &["centroid_id", "lat", "lon"], |row| {
            let id = row.text(0)?;
            let lat = row.number(1)?;
            let lon = row.number(2)?;
            if !(-90.0..=90.0).contains(&lat) {
                return Err(row.error(1, format!("must be within -90..90, got {lat}")));
            }
            if !(-180.0..=180.0).contains(&lon) {
                return Err(row.error(2, format!("must be within -180..180, got {lon}")));
            }
            if let Some((_, line)) = centroid_index.get(id) {
                return Err(row.error(0, format!("duplicate centroid id {id:?} (first on line {line})")));
            }
            centroid_index.insert(id.to_string(), (cents.ids.len() as u32, row.line));
            cents.ids.push(id.to_string());
            cents.lat.push(lat);
            cents.lon.push(lon);
            Ok(())
        })?;
        if cents.is_empty() {
            return Err(DataError::new(centroids.name, 0, "", "has no centroids"));
        }

        // (event, centroid, intensity, line)
        let mut entries: Vec<(u32, u32, f64, u64)> = Vec::new();
        for_each_row(intensity.name, intensity.reader, &["event_id", "centroid_id", "intensity"], |row| {
            let event = row.text(0)?;
            let Some(&(e, _)) = event_index.get(event) else {
                return Err(row.error(0, format!("unknown event id {event:?}; it is not in {}", events.name)));
            };
            let centroid = row.text(1)?;
            let Some(&(c, _)) = centroid_index.get(centroid) else {
                return Err(row.error(1, format!("unknown centroid id {centroid:?}; it is not in {}", centroids.name)));
            };
            let v = row.number(2)?;
            if v < 0.0 {
                return Err(row.error(2, format!("must not be negative, got {v}")));
            }
            entries.push((e, c, v, row.line));
            Ok(())
        })?;
        entries.sort_by_key(|&(e, c, _, line)| (e, c, line));
        for w in entries.windows(2) {
            if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
                return Err(DataError::new(
                    intensity.name,
                    w[1].3,
                    "centroid_id",
                    format!(
                        "event {:?} already has an intensity at centroid {:?} (line {})",
                        event_ids[w[1].0 as usize], cents.ids[w[1].1 as usize], w[0].3
                    ),
                ));
            }
        }
        entries.retain(|x| x.2 > 0.0);
        let mut offsets = vec![0usize; event_ids.len() + 1];
        for &(e, ..) in &entries {
            offsets[e as usize + 1] += 1;
        }
        for e in 0..event_ids.len() {
            offsets[e + 1] += offsets[e];
        }
        let centroid = entries.iter().map(|x| x.1).collect();
        let values = entries.iter().map(|x| x.2).collect();
        Ok(EventSet { event_ids, frequency, centroids: cents, offsets, centroid, intensity: values })
    }

    /// [`EventSet::parse`] from text, the files named `events.csv`, `centroids.csv` and
    /// `intensity.csv` in errors.
    pub fn parse_str(events: &str, centroids: &str, intensity: &str) -> Result<EventSet, DataError> {
        EventSet::parse(
            Input::new("events.csv", events.as_bytes()),
            Input::new("centroids.csv", centroids.as_bytes()),
            Input::new("intensity.csv", intensity.as_bytes()),
        )
    }

    pub fn len(&self) -> usize {
        self.event_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.event_ids.is_empty()
    }

    pub fn event_ids(&self) -> &[String] {
        &self.event_ids
    }

    pub fn frequency(&self) -> &[f64] {
        &self.frequency
    }

    pub fn centroids(&self) -> &Centroids {
        &self.centroids
    }

    /// Number of non-zero (event, centroid) intensities.
    pub fn nnz(&self) -> usize {
        self.centroid.len()
    }

    /// The non-zero centroids of an event and their intensities.
    pub fn footprint(&self, event: EventId) -> (&[u32], &[f64]) {
        let e = event.0 as usize;
        let r = self.offsets[e]..self.offsets[e + 1];
        (&self.centroid[r.clone()], &self.intensity[r])
    }

    /// The same events with other frequencies (same checks as construction).
    pub fn with_frequency(mut self, frequency: Vec<f64>) -> Result<EventSet, EventSetError> {
        if frequency.len() != self.len() {
            return Err(EventSetError("one frequency per event is needed".into()));
        }
        if let Some(f) = frequency.iter().find(|f| !(f.is_finite() && **f >= 0.0)) {
            return Err(EventSetError(format!("frequency {f} is not a finite number ≥ 0")));
        }
        self.frequency = frequency;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &str = "event_id,frequency\ne1,0.1\ne2,0.02\n";
    const CENTROIDS: &str = "centroid_id,lat,lon\nc1,60.0,25.0\nc2,60.5,25.0\n";

    fn err(events: &str, centroids: &str, intensity: &str) -> String {
        EventSet::parse_str(events, centroids, intensity).unwrap_err().to_string()
    }

    #[test]
    fn parses_sparse_footprints() {
        let set = EventSet::parse_str(EVENTS, CENTROIDS, "event_id,centroid_id,intensity\ne2,c2,1.5\ne1,c2,0.5\ne1,c1,0\n").unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.footprint(EventId(0)), (&[1u32][..], &[0.5][..]));
        assert_eq!(set.footprint(EventId(1)), (&[1u32][..], &[1.5][..]));
        assert_eq!(set.nnz(), 2);
    }

    #[test]
    fn bad_event_sets_name_file_line_and_field() {
        let no_intensity = "event_id,centroid_id,intensity\n";
        assert_eq!(err("event_id,frequency\ne1,-0.5\n", CENTROIDS, no_intensity), "events.csv line 2, field frequency: must not be negative, got -0.5");
        assert_eq!(err("event_id,frequency\ne1,nan\n", CENTROIDS, no_intensity), "events.csv line 2, field frequency: must be a number, got NaN");
        assert_eq!(err("event_id,frequency\n", CENTROIDS, no_intensity), "events.csv: has no events; an event set needs at least one");
        assert_eq!(err("event_id,frequency\ne1,1\ne1,2\n", CENTROIDS, no_intensity), "events.csv line 3, field event_id: duplicate event id \"e1\" (first on line 2)");
        assert_eq!(err(EVENTS, "centroid_id,lat,lon\nc1,91,0\n", no_intensity), "centroids.csv line 2, field lat: must be within -90..90, got 91");
        assert_eq!(err(EVENTS, "centroid_id,lat,lon\nc1,0,-181\n", no_intensity), "centroids.csv line 2, field lon: must be within -180..180, got -181");
        assert_eq!(
            err(EVENTS, CENTROIDS, "event_id,centroid_id,intensity\ne1,c9,1\n"),
            "intensity.csv line 2, field centroid_id: unknown centroid id \"c9\"; it is not in centroids.csv"
        );
        assert_eq!(
            err(EVENTS, CENTROIDS, "event_id,centroid_id,intensity\ne3,c1,1\n"),
            "intensity.csv line 2, field event_id: unknown event id \"e3\"; it is not in events.csv"
        );
        assert_eq!(
            err(EVENTS, CENTROIDS, "event_id,centroid_id,intensity\ne1,c1,1\ne2,c1,1\ne1,c1,2\n"),
            "intensity.csv line 4, field centroid_id: event \"e1\" already has an intensity at centroid \"c1\" (line 2)"
        );
    }
}
