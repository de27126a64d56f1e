//! Drones: UAS geographical zones (EUROCAE ED-269, ED-318) and ASTM F3411 Remote ID.
