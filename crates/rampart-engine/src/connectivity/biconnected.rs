//! Articulation points, biconnected components (blocks) and the block-cut tree of an
//! undirected graph, by Hopcroft and Tarjan's depth-first search made iterative:
//! J. Hopcroft and R. E. Tarjan, "Algorithm 447: Efficient algorithms for graph
//! manipulation", Communications of the ACM 16(6):372–378, 1973.
//!
//! The same search gives, for every node at once, what a single failure cuts off from
//! the sources: when `v` fails, its component splits into one piece per child subtree
//! `c` with `low(c) ≥ disc(v)` — exactly `v`'s child blocks in the block-cut tree — plus
//! the piece that holds `v`'s parent. A piece without a source loses service.

use crate::csr::Csr;

const NONE: u32 = u32::MAX;

/// The result of the depth-first search: blocks, articulation points and the tree data
/// that answers single-failure questions in O(n).
#[derive(Debug, Clone, PartialEq)]
pub struct Biconnected {
    is_articulation: Vec<bool>,
    /// Block → its vertices (each block has at least two; isolated nodes are in none).
    blocks: Csr<u32>,
    /// Depth-first parent; `NONE` for the root of each component.
    parent: Vec<u32>,
    /// `low(v) ≥ disc(parent(v))`: failure of the parent separates `v`'s subtree.
    separated: Vec<bool>,
    /// All nodes in depth-first preorder, component after component.
    preorder: Vec<u32>,
}

/// The block-cut tree: one tree node per block (numbers `0..blocks`) and one per
/// articulation point (numbers `blocks..`), a tree edge where a block holds an
/// articulation point. One tree per connected component with an edge.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockCutTree {
    /// Block → its vertices.
    pub blocks: Csr<u32>,
    /// Tree node `blocks.rows() + i` is graph node `cut_vertices[i]`.
    pub cut_vertices: Vec<u32>,
    /// Symmetric adjacency of the tree.
    pub tree: Csr<u32>,
}

/// Articulation points and blocks of the undirected `graph` (a symmetric [`Csr`]).
/// Self-loops are ignored; parallel edges are allowed (a doubled edge is not a
/// bridge). O(n + m) time and memory, no recursion.
pub fn biconnected(graph: &Csr<u32>) -> Biconnected {
    let n = graph.rows();
    let items = graph.items();
    let mut disc = vec![NONE; n];
    let mut low = vec![NONE; n];
    let mut parent = vec![NONE; n];
    let mut parent_edge_seen = vec![false; n];
    let mut separated = vec![false; n];
    let mut is_articulation = vec![false; n];
    let mut preorder = Vec::with_capacity(n);
    let mut block_start = vec![0u32];
    let mut block_items: Vec<u32> = Vec::new();
    let mut vertex_stack: Vec<u32> = Vec::new();
    let mut stack: Vec<(u32, usize)> = Vec::new();
    let mut time = 0u32;

    for root in 0..n as u32 {
        if disc[root as usize] != NONE {
            continue;
        }
        disc[root as usize] = time;
        low[root as usize] = time;
        time += 1;
        preorder.push(root);
        vertex_stack.push(root);
        stack.push((root, graph.range(root).start));
        let mut root_children = 0u32;
        while let Some(top) = stack.last_mut() {
            let (v, position) = (top.0, top.1);
            if position < graph.range(v).end {
                top.1 += 1;
                let w = items[position];
                if w == v {
                    continue;
                }
                if w == parent[v as usize] && !parent_edge_seen[v as usize] {
                    // The tree edge back to the parent, once; a parallel copy is a back edge.
                    parent_edge_seen[v as usize] = true;
                    continue;
                }
                if disc[w as usize] == NONE {
                    parent[w as usize] = v;
                    disc[w as usize] = time;
                    low[w as usize] = time;
                    time += 1;
                    preorder.push(w);
                    vertex_stack.push(w);
                    stack.push((w, graph.range(w).start));
                } else {
                    low[v as usize] = low[v as usize].min(disc[w as usize]);
                }
                continue;
            }
            stack.pop();
            let p = parent[v as usize];
            if p == NONE {
                vertex_stack.clear();
                continue;
            }
            low[p as usize] = low[p as usize].min(low[v as usize]);
            if low[v as usize] >= disc[p as usize] {
                separated[v as usize] = true;
                if p == root {
                    root_children += 1;
                } else {
                    is_articulation[p as usize] = true;
                }
                while let Some(x) = vertex_stack.pop() {
                    block_items.push(x);
                    if x == v {
                        break;
                    }
                }
                block_items.push(p);
                block_start.push(block_items.len() as u32);
            }
        }
        if root_children >= 2 {
            is_articulation[root as usize] = true;
        }
    }
    Biconnected {
        is_articulation,
        blocks: Csr::from_parts(block_start, block_items),
        parent,
        separated,
        preorder,
    }
}

impl Biconnected {
    pub fn is_articulation(&self, v: u32) -> bool {
        self.is_articulation[v as usize]
    }

    /// Articulation points in increasing order.
    pub fn articulation_points(&self) -> Vec<u32> {
        (0..self.is_articulation.len() as u32).filter(|&v| self.is_articulation[v as usize]).collect()
    }

    /// Block → its vertices.
    pub fn blocks(&self) -> &Csr<u32> {
        &self.blocks
    }

    /// The block-cut tree. O(n + Σ block sizes).
    pub fn block_cut_tree(&self) -> BlockCutTree {
        let block_count = self.blocks.rows();
        let cut_vertices = self.articulation_points();
        let mut tree_node = vec![NONE; self.is_articulation.len()];
        for (i, &v) in cut_vertices.iter().enumerate() {
            tree_node[v as usize] = (block_count + i) as u32;
        }
        let mut edges = Vec::new();
        for b in 0..block_count as u32 {
            for &v in self.blocks.row(b) {
                if tree_node[v as usize] != NONE {
                    edges.push((b, tree_node[v as usize]));
                }
            }
        }
        let tree = crate::csr::undirected(block_count + cut_vertices.len(), &edges);
        BlockCutTree { blocks: self.blocks.clone(), cut_vertices, tree }
    }

    /// Per node, the number of nodes that lose every path to a source when it alone
    /// fails, itself included (0 for nodes that were not served). O(n).
    pub fn cut_off_nodes(&self, sources: &[bool]) -> Vec<u64> {
        let ones = vec![1.0; self.parent.len()];
        self.cut_off_weight(sources, &ones).into_iter().map(|w| w as u64).collect()
    }

    /// Per node, the summed `weight` of the nodes that lose every path to a source when
    /// it alone fails, itself included (0 for nodes that were not served). A node is
    /// served when its connected component holds a source. O(n).
    pub fn cut_off_weight(&self, sources: &[bool], weight: &[f64]) -> Vec<f64> {
        let n = self.parent.len();
        assert_eq!(sources.len(), n, "one source flag per node");
        assert_eq!(weight.len(), n, "one weight per node");
        // Subtree totals, children before parents.
        let mut sub_weight = weight.to_vec();
        let mut sub_sources: Vec<u32> = sources.iter().map(|&s| u32::from(s)).collect();
        let mut sub_nodes = vec![1u32; n];
        for &v in self.preorder.iter().rev() {
            let p = self.parent[v as usize];
            if p != NONE {
                sub_weight[p as usize] += sub_weight[v as usize];
                sub_sources[p as usize] += sub_sources[v as usize];
                sub_nodes[p as usize] += sub_nodes[v as usize];
            }
        }
        // Per node, the pieces its failure separates below it.
        let mut separated_weight = vec![0.0f64; n];
        let mut separated_sources = vec![0u32; n];
        let mut separated_nodes = vec![0u32; n];
        let mut unserved_weight = vec![0.0f64; n];
        for c in 0..n {
            let p = self.parent[c];
            if p == NONE || !self.separated[c] {
                continue;
            }
            let p = p as usize;
            separated_weight[p] += sub_weight[c];
            separated_sources[p] += sub_sources[c];
            separated_nodes[p] += sub_nodes[c];
            if sub_sources[c] == 0 {
                unserved_weight[p] += sub_weight[c];
            }
        }
        // Component totals live at each component's root, reached in preorder.
        let mut component_root = vec![NONE; n];
        for &v in &self.preorder {
            let p = self.parent[v as usize];
            component_root[v as usize] = if p == NONE { v } else { component_root[p as usize] };
        }
        let mut loss = vec![0.0f64; n];
        for v in 0..n {
            let r = component_root[v] as usize;
            if sub_sources[r] == 0 {
                continue;
            }
            let mut lost = weight[v] + unserved_weight[v];
            // The piece above v: the component less v and the pieces below it.
            let rest_nodes = sub_nodes[r] - 1 - separated_nodes[v];
            let rest_sources = sub_sources[r] - u32::from(sources[v]) - separated_sources[v];
            if rest_nodes > 0 && rest_sources == 0 {
                lost += sub_weight[r] - weight[v] - separated_weight[v];
            }
            loss[v] = lost;
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::undirected;

    #[test]
    fn two_triangles_joined_by_a_bridge() {
        // 0-1-2 triangle, 2-3 bridge, 3-4-5 triangle.
        let g = undirected(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3)]);
        let b = biconnected(&g);
        assert_eq!(b.articulation_points(), vec![2, 3]);
        let mut blocks: Vec<Vec<u32>> = (0..b.blocks().rows() as u32)
            .map(|i| {
                let mut v = b.blocks().row(i).to_vec();
                v.sort_unstable();
                v
            })
            .collect();
        blocks.sort();
        assert_eq!(blocks, vec![vec![0, 1, 2], vec![2, 3], vec![3, 4, 5]]);
        let tree = b.block_cut_tree();
        assert_eq!((tree.tree.rows(), tree.tree.len()), (5, 8));
        // The only source at 0: losing it cuts off all; losing 2 cuts off 2..5,
        // losing 3 cuts off 3..5.
        let mut sources = vec![false; 6];
        sources[0] = true;
        assert_eq!(b.cut_off_nodes(&sources), vec![6, 1, 4, 3, 1, 1]);
        // With a second source at 5 every piece keeps a source: each failure loses
        // just the node itself.
        sources[5] = true;
        assert_eq!(b.cut_off_nodes(&sources), vec![1; 6]);
    }

    #[test]
    fn parallel_edges_are_not_bridges() {
        let g = undirected(3, &[(0, 1), (0, 1), (1, 2)]);
        assert_eq!(biconnected(&g).articulation_points(), vec![1]);
    }
}
