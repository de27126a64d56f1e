//! A uniform grid over projected points for nearest-k queries within a chunk.

/// Points projected to km on a local equirectangular plane.
pub struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    nx: usize,
    ny: usize,
    /// CSR layout: items of cell `i` are `items[start[i]..start[i + 1]]`.
    start: Vec<u32>,
    items: Vec<u32>,
    pts: Vec<(f64, f64)>,
    ids: Vec<u32>,
    kx: f64,
}

pub const KY: f64 = 110.574;

impl Grid {
    /// `points` are (lon, lat, payload); `lat0` fixes the projection.
    pub fn new(points: &[(f64, f64, u32)], lat0: f64) -> Grid {
        let kx = 111.32 * lat0.to_radians().cos().max(0.05);
        let pts: Vec<(f64, f64)> = points.iter().map(|&(lon, lat, _)| (lon * kx, lat * KY)).collect();
        let ids = points.iter().map(|p| p.2).collect();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in &pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if pts.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, 1.0, 1.0);
        }
        let area = ((x1 - x0) * (y1 - y0)).max(1.0);
        let cell = (area / pts.len().max(1) as f64).sqrt().max(0.25);
        let nx = (((x1 - x0) / cell) as usize + 1).min(4096);
        let ny = (((y1 - y0) / cell) as usize + 1).min(4096);
        let cell = cell.max((x1 - x0) / nx as f64).max((y1 - y0) / ny as f64) * 1.000_001;
        let key = |x: f64, y: f64| -> usize {
            let cx = (((x - x0) / cell) as usize).min(nx - 1);
            let cy = (((y - y0) / cell) as usize).min(ny - 1);
            cy * nx + cx
        };
        let mut start = vec![0u32; nx * ny + 1];
        for &(x, y) in &pts {
            start[key(x, y) + 1] += 1;
        }
        for i in 0..nx * ny {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut items = vec![0u32; pts.len()];
        for (i, &(x, y)) in pts.iter().enumerate() {
            let k = key(x, y);
            items[fill[k] as usize] = i as u32;
            fill[k] += 1;
        }
        Grid { x0, y0, cell, nx, ny, start, items, pts, ids, kx }
    }

    /// The payloads of the `k` points nearest to (lon, lat), nearest first, with
    /// their distance in km; ties go to the earlier point.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize, out: &mut Vec<(f64, u32)>) {
        out.clear();
        if self.pts.is_empty() || k == 0 {
            return;
        }
        let (x, y) = (lon * self.kx, lat * KY);
        let cx = (((x - self.x0) / self.cell).max(0.0) as usize).min(self.nx - 1) as isize;
        let cy = (((y - self.y0) / self.cell).max(0.0) as usize).min(self.ny - 1) as isize;
        let best = out;
        let max_r = self.nx.max(self.ny) as isize;
        for r in 0..=max_r {
            for gy in (cy - r)..=(cy + r) {
                if gy < 0 || gy >= self.ny as isize {
                    continue;
                }
                let ring_row = gy == cy - r || gy == cy + r;
                let mut gx = cx - r;
                while gx <= cx + r {
                    if gx >= 0 && gx < self.nx as isize {
                        let cell = gy as usize * self.nx + gx as usize;
                        for &i in &self.items[self.start[cell] as usize..self.start[cell + 1] as usize] {
                            let (px, py) = self.pts[i as usize];
                            let d2 = (px - x) * (px - x) + (py - y) * (py - y);
                            let cand = (d2, i);
                            if best.len() < k || lt(cand, best[best.len() - 1]) {
                                let pos = best.partition_point(|&b| lt(b, cand));
                                best.insert(pos, cand);
                                best.truncate(k);
                            }
                        }
                    }
                    gx += if ring_row || r == 0 { 1 } else { 2 * r };
                }
            }
            if best.len() == k {
                let reach = r as f64 * self.cell;
                if reach * reach >= best[k - 1].0 {
                    break;
                }
            }
        }
        for b in best.iter_mut() {
            *b = (b.0.sqrt(), self.ids[b.1 as usize]);
        }
    }
}

fn lt(a: (f64, u32), b: (f64, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_points_like_brute_force() {
        let mut pts = Vec::new();
        let mut s = 12345u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..500 {
            pts.push((10.0 + next() * 0.5, 50.0 + next() * 0.3, i));
        }
        let g = Grid::new(&pts, 50.0);
        let mut out = Vec::new();
        for q in 0..50 {
            let (lon, lat) = (9.9 + next() * 0.7, 49.9 + next() * 0.5);
            g.nearest(lon, lat, 3, &mut out);
            let kx = 111.32 * 50f64.to_radians().cos();
            let mut brute: Vec<(f64, u32)> = pts
                .iter()
                .map(|&(x, y, i)| ((((x - lon) * kx).powi(2) + ((y - lat) * KY).powi(2)), i))
                .collect();
            brute.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = brute[..3].iter().map(|b| b.1).collect();
            let got: Vec<u32> = out.iter().map(|o| o.1).collect();
            assert_eq!(got, want, "query {q}");
        }
    }
}
