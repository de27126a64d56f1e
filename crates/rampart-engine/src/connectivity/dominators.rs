//! Dominator trees of directed graphs by the Lengauer–Tarjan algorithm ("simple"
//! version with path compression, O(m log n)):
//! T. Lengauer and R. E. Tarjan, "A fast algorithm for finding dominators in a
//! flowgraph", ACM TOPLAS 1(1):121–141, 1979.
//!
//! Node `d` dominates `v` when every path from the root to `v` passes through `d`. So
//! the nodes that lose every path from the root when `d` alone fails are exactly `d`'s
//! dominator subtree. With a virtual super-source linked to every source, "the root"
//! becomes "any source".
//!
//! Depth-first search and path compression are iterative: registry graphs have
//! millions of nodes and long chains that would overflow the call stack.

use super::transpose;
use crate::csr::Csr;

const NONE: u32 = u32::MAX;

/// The dominator tree of the nodes reachable from a root.
#[derive(Debug, Clone, PartialEq)]
pub struct Dominators {
    /// Immediate dominator per node of the analysed graph; `NONE` for the root and
    /// for nodes the root does not reach.
    idom: Vec<u32>,
    /// Reached nodes in depth-first preorder, the root first. Every node comes after
    /// its immediate dominator.
    preorder: Vec<u32>,
    /// Nodes reported to callers: the analysed graph's nodes, less a virtual root.
    real: usize,
}

impl Dominators {
    /// The immediate dominator of `v`; `None` for the root, for nodes the root does not
    /// reach, and (with [`dominators_from_sources`]) for nodes dominated by no real
    /// node — those that keep service while any other single node fails.
    pub fn idom(&self, v: u32) -> Option<u32> {
        match self.idom[v as usize] {
            d if d == NONE || d as usize >= self.real => None,
            d => Some(d),
        }
    }

    /// Whether the root (or, from sources, any source) reaches `v`.
    pub fn is_reached(&self, v: u32) -> bool {
        self.idom[v as usize] != NONE || self.preorder.first() == Some(&v)
    }

    /// Per node, the number of nodes in its dominator subtree, itself included: the
    /// nodes that lose every path from the root (or from all sources) when it alone
    /// fails. Zero for nodes that are not reached. O(n).
    pub fn subtree_sizes(&self) -> Vec<u64> {
        let mut size = vec![0u64; self.idom.len()];
        for &v in &self.preorder {
            size[v as usize] = 1;
        }
        self.accumulate(&mut size, |a, b| *a += b);
        size.truncate(self.real);
        size
    }

    /// Per node, the summed `weight` (e.g. people served) of its dominator subtree,
    /// itself included. `weight` has one entry per real node. O(n).
    pub fn subtree_weights(&self, weight: &[f64]) -> Vec<f64> {
        assert_eq!(weight.len(), self.real, "one weight per node");
        let mut total = vec![0.0f64; self.idom.len()];
        for &v in &self.preorder {
            if (v as usize) < self.real {
                total[v as usize] = weight[v as usize];
            }
        }
        self.accumulate(&mut total, |a, b| *a += b);
        total.truncate(self.real);
        total
    }

    fn accumulate<T: Copy>(&self, values: &mut [T], add: impl Fn(&mut T, T)) {
        // Reverse preorder visits every node after its whole dominator subtree.
        for &v in self.preorder.iter().rev() {
            let d = self.idom[v as usize];
            if d != NONE {
                let value = values[v as usize];
                add(&mut values[d as usize], value);
            }
        }
    }
}

/// The dominator tree of `graph` from `root`. O(m log n) time, O(n + m) memory.
/// Panics when `root` is not a node.
pub fn dominators(graph: &Csr<u32>, root: u32) -> Dominators {
    let real = graph.rows();
    lengauer_tarjan(graph, root, real)
}

/// `graph` with one more node, `n`, that has an arc to every source: the virtual
/// super-source that turns "reachable from some source" into "reachable from one root".
pub fn with_super_source(graph: &Csr<u32>, sources: &[bool]) -> Csr<u32> {
    let n = graph.rows();
    assert_eq!(sources.len(), n, "one source flag per node");
    let mut start = graph.offsets().to_vec();
    if start.is_empty() {
        start.push(0);
    }
    let mut items = graph.items().to_vec();
    items.extend((0..n as u32).filter(|&v| sources[v as usize]));
    start.push(items.len() as u32);
    Csr::from_parts(start, items)
}

/// The dominator tree from every source at once, through a virtual super-source
/// ([`with_super_source`]). Node numbers are those of `graph`; the virtual node is
/// hidden from the result.
pub fn dominators_from_sources(graph: &Csr<u32>, sources: &[bool]) -> Dominators {
    let extended = with_super_source(graph, sources);
    let real = graph.rows();
    lengauer_tarjan(&extended, real as u32, real)
}

fn lengauer_tarjan(graph: &Csr<u32>, root: u32, real: usize) -> Dominators {
    let n = graph.rows();
    assert!((root as usize) < n, "root {root} is not a node");
    let predecessors = transpose(graph);

    // Depth-first numbering; from here on the algorithm works on numbers.
    let mut number = vec![NONE; n];
    let mut vertex: Vec<u32> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    let mut stack: Vec<(u32, usize)> = vec![(root, graph.range(root).start)];
    number[root as usize] = 0;
    vertex.push(root);
    parent.push(NONE);
    let items = graph.items();
    while let Some(top) = stack.last_mut() {
        let (v, position) = (top.0, top.1);
        if position < graph.range(v).end {
            top.1 += 1;
            let w = items[position];
            if number[w as usize] == NONE {
                number[w as usize] = vertex.len() as u32;
                parent.push(number[v as usize]);
                vertex.push(w);
                stack.push((w, graph.range(w).start));
            }
        } else {
            stack.pop();
        }
    }

    let k = vertex.len();
    let mut semi: Vec<u32> = (0..k as u32).collect();
    let mut label: Vec<u32> = (0..k as u32).collect();
    let mut ancestor = vec![NONE; k];
    let mut idom = vec![NONE; k];
    let mut bucket_head = vec![NONE; k];
    let mut bucket_next = vec![NONE; k];
    let mut chain: Vec<u32> = Vec::new();

    for w in (1..k).rev() {
        for &p in predecessors.row(vertex[w]) {
            let pv = number[p as usize];
            if pv == NONE {
                continue;
            }
            let u = eval(pv, &mut ancestor, &mut label, &semi, &mut chain);
            if semi[u as usize] < semi[w] {
                semi[w] = semi[u as usize];
            }
        }
        let s = semi[w] as usize;
        bucket_next[w] = bucket_head[s];
        bucket_head[s] = w as u32;
        let pw = parent[w];
        ancestor[w] = pw;
        let mut v = std::mem::replace(&mut bucket_head[pw as usize], NONE);
        while v != NONE {
            let next = bucket_next[v as usize];
            let u = eval(v, &mut ancestor, &mut label, &semi, &mut chain);
            idom[v as usize] = if semi[u as usize] < semi[v as usize] { u } else { pw };
            v = next;
        }
    }
    for w in 1..k {
        if idom[w] != semi[w] {
            idom[w] = idom[idom[w] as usize];
        }
    }

    let mut idom_of_node = vec![NONE; n];
    for w in 1..k {
        idom_of_node[vertex[w] as usize] = vertex[idom[w] as usize];
    }
    Dominators { idom: idom_of_node, preorder: vertex, real }
}

/// The vertex of minimum semidominator on the compressed forest path above `v`.
fn eval(v: u32, ancestor: &mut [u32], label: &mut [u32], semi: &[u32], chain: &mut Vec<u32>) -> u32 {
    if ancestor[v as usize] == NONE {
        return v;
    }
    // Iterative path compression: collect the path, then fold it from the top down.
    let mut x = v;
    while ancestor[ancestor[x as usize] as usize] != NONE {
        chain.push(x);
        x = ancestor[x as usize];
    }
    while let Some(x) = chain.pop() {
        let a = ancestor[x as usize] as usize;
        if semi[label[a] as usize] < semi[label[x as usize] as usize] {
            label[x as usize] = label[a];
        }
        ancestor[x as usize] = ancestor[a];
    }
    label[v as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flowgraph of Lengauer & Tarjan (1979), figure 1, nodes R=0, A..L = 1..12.
    #[test]
    fn lengauer_tarjan_paper_example() {
        let (r, a, b, c, d, e, f, g, h, i, j, k, l) = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        let arcs = [
            (r, a), (r, b), (r, c), (a, d), (b, a), (b, d), (b, e), (c, f), (c, g), (d, l),
            (e, h), (f, i), (g, i), (g, j), (h, e), (h, k), (i, k), (j, i), (k, i), (k, r),
            (l, h),
        ];
        let graph = Csr::from_pairs(13, &arcs);
        let dom = dominators(&graph, r);
        let expected = [
            (a, r), (b, r), (c, r), (d, r), (e, r), (f, c), (g, c), (h, r), (i, r), (j, g),
            (k, r), (l, d),
        ];
        for (v, d) in expected {
            assert_eq!(dom.idom(v), Some(d), "idom of node {v}");
        }
        assert_eq!(dom.idom(r), None);
        let sizes = dom.subtree_sizes();
        assert_eq!((sizes[r as usize], sizes[c as usize], sizes[g as usize], sizes[d as usize]), (13, 4, 2, 2));
    }
}
