//! Compressed sparse rows: the adjacency layout every model of the engine walks.

/// For each of `n` rows, a contiguous slice of `items`. Row `r` is
/// `items[start[r]..start[r + 1]]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Csr<T = u32> {
    start: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy + Default> Csr<T> {
    /// Rows built from `(row, item)` pairs; within a row, items keep their input order.
    /// Panics when a row is not below `rows` (callers map ids to dense indices first).
    pub fn from_pairs(rows: usize, pairs: &[(u32, T)]) -> Csr<T> {
        let mut start = vec![0u32; rows + 1];
        for &(r, _) in pairs {
            start[r as usize + 1] += 1;
        }
        for r in 0..rows {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut items = vec![T::default(); pairs.len()];
        for &(r, t) in pairs {
            let at = &mut fill[r as usize];
            items[*at as usize] = t;
            *at += 1;
        }
        Csr { start, items }
    }

    /// Rows given directly by their offsets and items.
    pub fn from_parts(start: Vec<u32>, items: Vec<T>) -> Csr<T> {
        assert_eq!(start.last().copied().unwrap_or(0) as usize, items.len(), "last offset must equal the number of items");
        Csr { start, items }
    }

    pub fn rows(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn row(&self, r: u32) -> &[T] {
        &self.items[self.start[r as usize] as usize..self.start[r as usize + 1] as usize]
    }

    /// The index range of row `r` within [`Csr::items`].
    pub fn range(&self, r: u32) -> std::ops::Range<usize> {
        self.start[r as usize] as usize..self.start[r as usize + 1] as usize
    }

    pub fn items(&self) -> &[T] {
        &self.items
    }

    pub fn offsets(&self) -> &[u32] {
        &self.start
    }
}

/// An undirected graph on `n` nodes as a symmetric [`Csr`]: each edge appears in both
/// endpoints' rows.
pub fn undirected(n: usize, edges: &[(u32, u32)]) -> Csr<u32> {
    let mut pairs = Vec::with_capacity(edges.len() * 2);
    for &(a, b) in edges {
        pairs.push((a, b));
        pairs.push((b, a));
    }
    Csr::from_pairs(n, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_input_order() {
        let c = Csr::from_pairs(3, &[(2, 7), (0, 1), (2, 5), (0, 9)]);
        assert_eq!((c.row(0), c.row(1), c.row(2)), (&[1, 9][..], &[][..], &[7, 5][..]));
        assert_eq!(c.offsets(), &[0, 2, 2, 4]);
    }

    #[test]
    fn undirected_is_symmetric() {
        let g = undirected(3, &[(0, 1), (1, 2)]);
        assert_eq!((g.row(0), g.row(1), g.row(2)), (&[1][..], &[0, 2][..], &[1][..]));
    }
}
