//! ASTM F3411 Remote ID broadcast messages (the layout ASD-STAN prEN 4709-002 shares):
//! 25-byte messages whose first byte holds the message type (high nibble) and the
//! protocol version (low nibble), and the message pack (type 0xF) that carries several.
//! Multi-byte integers are little-endian. See docs/drones.md for every field decoded.

use serde::Serialize;

/// Length of one message.
pub const MESSAGE_LEN: usize = 25;
/// Most messages in one pack.
pub const MAX_PACK: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteIdError {
    #[error("a Remote ID message is {MESSAGE_LEN} bytes; found {found}")]
    Truncated { found: usize },
    #[error("a message pack of {count} messages needs {needed} bytes; found {found}")]
    TruncatedPack { count: usize, needed: usize, found: usize },
    #[error("a message pack holds messages of {MESSAGE_LEN} bytes and at most {MAX_PACK} of them; it declares {size}-byte messages, {count} of them")]
    BadPack { size: u8, count: u8 },
    #[error("a message pack may not hold another pack (message {index})")]
    NestedPack { index: usize },
    #[error("message type {0:#x} is not defined by F3411 (0-5 and 0xF are)")]
    UnknownType(u8),
    #[error("not hexadecimal: {0}")]
    NotHex(String),
}

/// One decoded message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    BasicId(BasicId),
    Location(Location),
    Auth(Auth),
    SelfId(SelfId),
    System(System),
    OperatorId(OperatorId),
    Pack { version: u8, messages: Vec<Message> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasicId {
    pub version: u8,
    /// 0 none, 1 serial number (ANSI/CTA-2063-A), 2 CAA registration, 3 UTM-assigned UUID, 4 specific session id.
    pub id_type: u8,
    pub id_type_name: &'static str,
    /// 0 none, 1 aeroplane, 2 helicopter or multirotor, 3 gyroplane, 4 hybrid lift, 5 ornithopter, 6 glider,
    /// 7 kite, 8 free balloon, 9 captive balloon, 10 airship, 11 parachute, 12 rocket, 13 tethered, 14 ground obstacle, 15 other.
    pub ua_type: u8,
    pub uas_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub version: u8,
    /// 0 undeclared, 1 ground, 2 airborne, 3 emergency, 4 Remote ID system failure.
    pub status: u8,
    /// Whether `height_m` is above ground (true) or above the take-off point (false).
    pub height_agl: bool,
    /// Degrees clockwise from true north; `None` when unknown.
    pub track_deg: Option<f64>,
    /// Ground speed, m/s; `None` when unknown.
    pub speed_ms: Option<f64>,
    /// Vertical speed, m/s, up positive; `None` when unknown.
    pub vertical_speed_ms: Option<f64>,
    pub lat: f64,
    pub lon: f64,
    /// Barometric altitude, m (standard atmosphere); `None` when unknown.
    pub pressure_altitude_m: Option<f64>,
    /// Height above the WGS 84 ellipsoid, m; `None` when unknown.
    pub geodetic_altitude_m: Option<f64>,
    /// Height above ground or the take-off point (see `height_agl`), m; `None` when unknown.
    pub height_m: Option<f64>,
    pub horizontal_accuracy: u8,
    pub vertical_accuracy: u8,
    pub baro_accuracy: u8,
    pub speed_accuracy: u8,
    /// Tenths of a second since the start of the hour (UTC); `None` when unknown.
    pub timestamp_ds: Option<u16>,
    pub timestamp_accuracy_ds: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Auth {
    pub version: u8,
    pub auth_type: u8,
    pub page: u8,
    /// The page's bytes after its header, in hexadecimal (not verified).
    pub data_hex: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfId {
    pub version: u8,
    /// 0 text, 1 emergency, 2 extended status.
    pub description_type: u8,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct System {
    pub version: u8,
    /// 0 take-off point, 1 live GNSS, 2 fixed.
    pub operator_location_type: u8,
    /// 0 undeclared, 1 EU.
    pub classification_type: u8,
    pub operator_lat: f64,
    pub operator_lon: f64,
    pub area_count: u16,
    pub area_radius_m: u32,
    pub area_ceiling_m: Option<f64>,
    pub area_floor_m: Option<f64>,
    pub ua_category: u8,
    pub ua_class: u8,
    pub operator_altitude_m: Option<f64>,
    /// Seconds since 2019-01-01T00:00:00Z.
    pub timestamp_s: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorId {
    pub version: u8,
    pub id_type: u8,
    pub operator_id: String,
}

fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn i32_le(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Altitudes are `(metres + 1000) / 0.5` in an unsigned 16-bit field; 0 (−1000 m) is unknown.
fn altitude(raw: u16) -> Option<f64> {
    (raw != 0).then(|| f64::from(raw) * 0.5 - 1000.0)
}

/// ASCII padded with NULs (or spaces) to the field's length.
fn ascii(b: &[u8]) -> String {
    b.iter().take_while(|&&c| c != 0).map(|&c| if c.is_ascii_graphic() || c == b' ' { c as char } else { '?' }).collect::<String>().trim_end().to_string()
}

/// Decodes one message (or a pack) from its bytes. Extra bytes after a single message
/// are ignored (some receivers append a counter); too few are an error.
pub fn decode(b: &[u8]) -> Result<Message, RemoteIdError> {
    if b.len() < MESSAGE_LEN {
        if b.len() >= 3 && b[0] >> 4 == 0xF {
            // A pack's own header is readable; say what the pack needs.
            return Err(RemoteIdError::TruncatedPack { count: b[2] as usize, needed: 3 + MESSAGE_LEN * b[2] as usize, found: b.len() });
        }
        return Err(RemoteIdError::Truncated { found: b.len() });
    }
    let (kind, version) = (b[0] >> 4, b[0] & 0x0F);
    Ok(match kind {
        0 => {
            let id_type = b[1] >> 4;
            Message::BasicId(BasicId {
                version,
                id_type,
                id_type_name: ["none", "serial_number", "caa_registration", "utm_uuid", "specific_session_id"].get(id_type as usize).copied().unwrap_or("reserved"),
                ua_type: b[1] & 0x0F,
                uas_id: ascii(&b[2..22]),
            })
        }
        1 => {
            let flags = b[1];
            let east_half = flags & 0b10 != 0;
            let multiplied = flags & 0b1 != 0;
            // Direction 0..179 plus 180 when the E/W flag is set; larger values are unknown (361 is sent).
            let track = (b[2] <= 179).then(|| f64::from(b[2]) + if east_half { 180.0 } else { 0.0 });
            let speed = match (b[3], multiplied) {
                (255, _) => None,
                (v, false) => Some(f64::from(v) * 0.25),
                (v, true) => Some(f64::from(v) * 0.75 + 255.0 * 0.25),
            };
            let vs = b[4] as i8;
            Message::Location(Location {
                version,
                status: flags >> 4,
                height_agl: flags & 0b100 != 0,
                track_deg: track,
                speed_ms: speed,
                // 63 m/s (encoded 126) is "unknown".
                vertical_speed_ms: (vs != 126).then(|| f64::from(vs) * 0.5),
                lat: f64::from(i32_le(b, 5)) * 1e-7,
                lon: f64::from(i32_le(b, 9)) * 1e-7,
                pressure_altitude_m: altitude(u16_le(b, 13)),
                geodetic_altitude_m: altitude(u16_le(b, 15)),
                height_m: altitude(u16_le(b, 17)),
                vertical_accuracy: b[19] >> 4,
                horizontal_accuracy: b[19] & 0x0F,
                baro_accuracy: b[20] >> 4,
                speed_accuracy: b[20] & 0x0F,
                timestamp_ds: Some(u16_le(b, 21)).filter(|t| *t != 0xFFFF && *t <= 36_000),
                timestamp_accuracy_ds: b[23] & 0x0F,
            })
        }
        2 => Message::Auth(Auth { version, auth_type: b[1] >> 4, page: b[1] & 0x0F, data_hex: hex(&b[2..MESSAGE_LEN]) }),
        3 => Message::SelfId(SelfId { version, description_type: b[1], description: ascii(&b[2..25]) }),
        4 => Message::System(System {
            version,
            operator_location_type: b[1] & 0b11,
            classification_type: (b[1] >> 2) & 0b111,
            operator_lat: f64::from(i32_le(b, 2)) * 1e-7,
            operator_lon: f64::from(i32_le(b, 6)) * 1e-7,
            area_count: u16_le(b, 10),
            area_radius_m: u32::from(b[12]) * 10,
            area_ceiling_m: altitude(u16_le(b, 13)),
            area_floor_m: altitude(u16_le(b, 15)),
            ua_category: b[17] >> 4,
            ua_class: b[17] & 0x0F,
            operator_altitude_m: altitude(u16_le(b, 18)),
            timestamp_s: u32::from_le_bytes([b[20], b[21], b[22], b[23]]),
        }),
        5 => Message::OperatorId(OperatorId { version, id_type: b[1], operator_id: ascii(&b[2..22]) }),
        0xF => {
            let (size, count) = (b[1], b[2]);
            if size as usize != MESSAGE_LEN || count as usize > MAX_PACK {
                return Err(RemoteIdError::BadPack { size, count });
            }
            let needed = 3 + MESSAGE_LEN * count as usize;
            if b.len() < needed {
                return Err(RemoteIdError::TruncatedPack { count: count as usize, needed, found: b.len() });
            }
            let mut messages = Vec::with_capacity(count as usize);
            for i in 0..count as usize {
                let m = &b[3 + i * MESSAGE_LEN..3 + (i + 1) * MESSAGE_LEN];
                if m[0] >> 4 == 0xF {
                    return Err(RemoteIdError::NestedPack { index: i });
                }
                messages.push(decode(m)?);
            }
            Message::Pack { version, messages }
        }
        other => return Err(RemoteIdError::UnknownType(other)),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Bytes from hexadecimal, ignoring spaces, colons and a leading `0x`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, RemoteIdError> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    let digits: Vec<u8> = t.bytes().filter(|c| !matches!(c, b' ' | b':' | b'\t' | b'-')).collect();
    if !digits.len().is_multiple_of(2) {
        return Err(RemoteIdError::NotHex(format!("an odd number of digits ({}) in {s:?}", digits.len())));
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    digits
        .chunks(2)
        .map(|p| match (val(p[0]), val(p[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err(RemoteIdError::NotHex(format!("{:?} in {s:?}", String::from_utf8_lossy(p)))),
        })
        .collect()
}

/// Decodes a message written in hexadecimal.
pub fn decode_hex(s: &str) -> Result<Message, RemoteIdError> {
    decode(&parse_hex(s)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Concatenates byte groups, so each test can name every field it writes.
    fn bytes(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn basic_id() {
        let m = bytes(&[
            &[0x02],                      // 0: type 0 (Basic ID), protocol version 2
            &[0x12],                      // 1: ID type 1 (serial number) << 4 | UA type 2 (helicopter or multirotor)
            b"1596F3A7E5B4C2D19E00",      // 2..21: UAS ID, 20 ASCII characters
            &[0, 0, 0],                   // 22..24: reserved
        ]);
        assert_eq!(m.len(), 25);
        let Message::BasicId(b) = decode(&m).unwrap() else { panic!() };
        assert_eq!((b.version, b.id_type, b.id_type_name, b.ua_type, b.uas_id.as_str()), (2, 1, "serial_number", 2, "1596F3A7E5B4C2D19E00"));
        // A shorter id is NUL-padded.
        let m = bytes(&[&[0x02, 0x22], b"DEU-OP-1234\0\0\0\0\0\0\0\0\0", &[0, 0, 0]]);
        let Message::BasicId(b) = decode(&m).unwrap() else { panic!() };
        assert_eq!((b.id_type_name, b.uas_id.as_str()), ("caa_registration", "DEU-OP-1234"));
    }

    /// A location over the Olympiastadion, Berlin: 52.5147° N, 13.2395° E.
    fn location(flags: u8, direction: u8, speed: u8) -> Vec<u8> {
        bytes(&[
            &[0x12],                                  // 0: type 1 (Location/Vector), version 2
            &[flags],                                 // 1: status << 4 | height type << 2 | E/W << 1 | speed multiplier
            &[direction],                             // 2: track direction, 0..179 (+180 with the E/W flag)
            &[speed],                                 // 3: speed, 0.25 m/s steps (or 0.75 m/s above 63.75 with the multiplier)
            &[0xFA],                                  // 4: vertical speed −6 × 0.5 = −3 m/s (int8)
            &525_147_000i32.to_le_bytes(),            // 5..8: latitude × 10⁷, little-endian: 52.5147
            &132_395_000i32.to_le_bytes(),            // 9..12: longitude × 10⁷: 13.2395
            &((100.0f64 + 1000.0) / 0.5).to_le_bytes_u16(), // 13..14: pressure altitude 100 m → 2200
            &2300u16.to_le_bytes(),                   // 15..16: geodetic altitude (2300 × 0.5) − 1000 = 150 m
            &2160u16.to_le_bytes(),                   // 17..18: height (2160 × 0.5) − 1000 = 80 m
            &[0x4B],                                  // 19: vertical accuracy 4 << 4 | horizontal accuracy 11
            &[0x34],                                  // 20: baro accuracy 3 << 4 | speed accuracy 4
            &12_345u16.to_le_bytes(),                 // 21..22: 1234.5 s after the hour (tenths of a second)
            &[0x02],                                  // 23: timestamp accuracy 0.2 s
            &[0],                                     // 24: reserved
        ])
    }

    trait U16Le {
        fn to_le_bytes_u16(self) -> [u8; 2];
    }
    impl U16Le for f64 {
        fn to_le_bytes_u16(self) -> [u8; 2] {
            (self as u16).to_le_bytes()
        }
    }

    #[test]
    fn location_vector() {
        // Airborne (2), height above ground (bit 2), west half, no multiplier; 90°; 12 m/s = 48 × 0.25.
        let m = location(0b0010_0100, 90, 48);
        assert_eq!(m.len(), 25);
        assert_eq!(&m[5..9], &[0x78, 0x1B, 0x4D, 0x1F], "52.5147 × 10⁷ = 525147000 = 0x1F4D1B78, little-endian");
        let Message::Location(l) = decode(&m).unwrap() else { panic!() };
        assert_eq!((l.status, l.height_agl, l.track_deg, l.speed_ms, l.vertical_speed_ms), (2, true, Some(90.0), Some(12.0), Some(-3.0)));
        assert!((l.lat - 52.5147).abs() < 1e-9 && (l.lon - 13.2395).abs() < 1e-9);
        assert_eq!((l.pressure_altitude_m, l.geodetic_altitude_m, l.height_m), (Some(100.0), Some(150.0), Some(80.0)));
        assert_eq!((l.vertical_accuracy, l.horizontal_accuracy, l.baro_accuracy, l.speed_accuracy), (4, 11, 3, 4));
        assert_eq!((l.timestamp_ds, l.timestamp_accuracy_ds), (Some(12_345), 2));

        // East half (bit 1) adds 180°; the multiplier (bit 0): 100 × 0.75 + 63.75 = 138.75 m/s.
        let Message::Location(l) = decode(&location(0b0010_0011, 10, 100)).unwrap() else { panic!() };
        assert_eq!((l.track_deg, l.speed_ms, l.height_agl), (Some(190.0), Some(138.75), false));
        // Unknowns: direction 181 (361 sent), speed 255, altitudes 0 (−1000 m), vertical speed 126 (63 m/s), time 0xFFFF.
        let mut m = location(0, 181, 255);
        m[4] = 126;
        m[13..19].copy_from_slice(&[0; 6]);
        m[21..23].copy_from_slice(&[0xFF, 0xFF]);
        let Message::Location(l) = decode(&m).unwrap() else { panic!() };
        assert_eq!((l.track_deg, l.speed_ms, l.vertical_speed_ms, l.geodetic_altitude_m, l.height_m, l.timestamp_ds), (None, None, None, None, None, None));
        // Southern and western hemispheres: negative little-endian integers.
        let mut m = location(0, 0, 0);
        m[5..9].copy_from_slice(&(-338_688_000i32).to_le_bytes()); // −33.8688
        m[9..13].copy_from_slice(&(-700_000_000i32).to_le_bytes()); // −70.0
        let Message::Location(l) = decode(&m).unwrap() else { panic!() };
        assert!((l.lat + 33.8688).abs() < 1e-9 && (l.lon + 70.0).abs() < 1e-9);
    }

    #[test]
    fn auth_self_id_system_operator() {
        let auth = bytes(&[&[0x22], &[0x10], &[0xAB; 23]]); // type 2 v2; auth type 1 (UAS ID signature) << 4 | page 0; data
        let Message::Auth(a) = decode(&auth).unwrap() else { panic!() };
        assert_eq!((a.auth_type, a.page, a.data_hex.len()), (1, 0, 46));

        let self_id = bytes(&[&[0x32], &[0x00], b"Stadium survey flight\0\0"]); // type 3; text; 23 characters
        let Message::SelfId(s) = decode(&self_id).unwrap() else { panic!() };
        assert_eq!((s.description_type, s.description.as_str()), (0, "Stadium survey flight"));

        let system = bytes(&[
            &[0x42],                          // 0: type 4 (System), version 2
            &[0b0000_0101],                   // 1: classification 1 (EU) << 2 | operator location 1 (live GNSS)
            &525_140_000i32.to_le_bytes(),    // 2..5: operator latitude 52.514
            &132_380_000i32.to_le_bytes(),    // 6..9: operator longitude 13.238
            &1u16.to_le_bytes(),              // 10..11: area count 1
            &[5],                             // 12: area radius 5 × 10 = 50 m
            &2240u16.to_le_bytes(),           // 13..14: area ceiling 120 m
            &2000u16.to_le_bytes(),           // 15..16: area floor 0 m
            &[0x12],                          // 17: category 1 (open) << 4 | class 2 (C2)
            &2080u16.to_le_bytes(),           // 18..19: operator altitude 40 m
            &200_000_000u32.to_le_bytes(),    // 20..23: seconds since 2019-01-01
            &[0],                             // 24: reserved
        ]);
        let Message::System(s) = decode(&system).unwrap() else { panic!() };
        assert_eq!((s.classification_type, s.operator_location_type, s.area_count, s.area_radius_m), (1, 1, 1, 50));
        assert_eq!((s.area_ceiling_m, s.area_floor_m, s.ua_category, s.ua_class, s.operator_altitude_m), (Some(120.0), Some(0.0), 1, 2, Some(40.0)));
        assert!((s.operator_lat - 52.514).abs() < 1e-9 && s.timestamp_s == 200_000_000);

        let op = bytes(&[&[0x52], &[0x00], b"FIN87astrdge12k8\0\0\0\0", &[0, 0, 0]]); // type 5; id type 0; 20 characters
        let Message::OperatorId(o) = decode(&op).unwrap() else { panic!() };
        assert_eq!(o.operator_id, "FIN87astrdge12k8");
    }

    #[test]
    fn message_pack() {
        let basic = bytes(&[&[0x02, 0x12], b"1596F3A7E5B4C2D19E00", &[0, 0, 0]]);
        let loc = location(0b0010_0100, 90, 48);
        let pack = bytes(&[&[0xF2], &[25], &[2], &basic, &loc]); // type 0xF v2; message size 25; 2 messages
        let Message::Pack { messages, .. } = decode(&pack).unwrap() else { panic!() };
        assert!(matches!((&messages[0], &messages[1]), (Message::BasicId(_), Message::Location(_))));
        // The pack as hexadecimal, with spaces, decodes the same.
        let hex_text: Vec<String> = pack.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(decode_hex(&hex_text.join(" ")).unwrap(), decode(&pack).unwrap());
    }

    #[test]
    fn bad_input_is_named() {
        let loc = location(0, 0, 0);
        assert_eq!(decode(&loc[..20]).unwrap_err().to_string(), "a Remote ID message is 25 bytes; found 20");
        let pack = bytes(&[&[0xF2, 25, 3], &loc, &loc]);
        assert_eq!(decode(&pack).unwrap_err(), RemoteIdError::TruncatedPack { count: 3, needed: 78, found: 53 });
        assert_eq!(decode(&bytes(&[&[0xF2, 24, 1], &loc])).unwrap_err(), RemoteIdError::BadPack { size: 24, count: 1 });
        let mut odd = loc.clone();
        odd[0] = 0x72;
        assert_eq!(decode(&odd).unwrap_err().to_string(), "message type 0x7 is not defined by F3411 (0-5 and 0xF are)");
        assert!(matches!(decode_hex("12 zz"), Err(RemoteIdError::NotHex(_))));
        assert!(matches!(decode_hex("123"), Err(RemoteIdError::NotHex(_))));
    }
}
