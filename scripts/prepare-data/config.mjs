// Parameters shared by prepare.mjs and validate.mjs (documented in data/SOURCES.md).

/** Area of interest: [west, south, east, north] in degrees. */
export const BOX = [-32, 26, 45, 72];
/**
 * Polygons are clipped to lon < CLIP_EAST. This drops Russia east of the Urals
 * (and the eastern tip of Iran), and with it the only polygon in scope that
 * crosses the antimeridian (Chukotka), which planar GeoJSON consumers draw as a
 * band around the whole world. The value is deliberately halfway between two
 * grid lines of the world-atlas quantisation (360 / 99999 degrees), so that no
 * source vertex lies exactly on the clip line.
 */
export const CLIP_EAST = 60.0018;
/** Coordinates are rounded to this many decimals (1e-4 degrees is ~11 m). */
export const DECIMALS = 4;
/** Minimum population of a city row. */
export const MIN_POPULATION = 1000;
/**
 * Natural Earth 4.1 (world-atlas 2.0.2) draws Crimea as part of Russia (its
 * de facto view). GeoNames, and the EU and UN General Assembly positions, put
 * it in Ukraine. With this flag the Crimea polygon is dissolved into Ukraine,
 * so the country polygons agree with the country codes of the city rows.
 */
export const CRIMEA_TO_UKRAINE = true;

/** Countries whose cities go into europe-cities.csv (ISO 3166-1 alpha-2). */
export const CITY_COUNTRIES = [
  // EU-27
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  // EFTA + UK
  'NO', 'IS', 'LI', 'CH', 'GB',
  // Western Balkans
  'AL', 'BA', 'ME', 'MK', 'RS', 'XK',
  // Eastern partners
  'UA', 'MD',
];

