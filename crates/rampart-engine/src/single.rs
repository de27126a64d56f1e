//! What a single asset's failure cuts off from the sources of each networked sector,
//! for every asset at once: the dominator tree of each network from all its sources
//! (Lengauer–Tarjan, through a virtual super-source), laid out in preorder so that
//! each asset's dominator subtree — everything that loses every path to a source when
//! it alone fails — is one contiguous slice.
//!
//! The N-1 study hands this to its cascades: the first failure in a network then costs
//! the size of what it cuts off, with no search; later failures in the same run fall
//! back to the cascade's incremental search.

use crate::connectivity::dominators_from_sources;
use crate::csr::Csr;
use crate::graph::{Graph, Node};

const NONE: u32 = u32::MAX;

struct Tree {
    /// Position of each asset in the preorder (`NONE` outside the network's served part).
    tin: Vec<u32>,
    /// One past the end of each asset's subtree in the preorder, by preorder position.
    end: Vec<u32>,
    /// Assets in preorder.
    order: Vec<Node>,
}

/// Dominator trees of every networked sector with sources.
pub struct SingleFailures {
    trees: Vec<Option<Tree>>,
}

impl SingleFailures {
    pub fn new(g: &Graph) -> SingleFailures {
        let trees = (0..8u8).map(|bit| tree(g, bit)).collect();
        SingleFailures { trees }
    }

    /// The assets cut off from every source of network `bit` when `node` alone fails,
    /// itself first; `None` when it is not in the network's served part.
    pub fn cut_off(&self, bit: u8, node: Node) -> Option<&[Node]> {
        let t = self.trees.get(bit as usize)?.as_ref()?;
        let at = *t.tin.get(node as usize)?;
        if at == NONE {
            return None;
        }
        Some(&t.order[at as usize..t.end[at as usize] as usize])
    }
}

fn tree(g: &Graph, bit: u8) -> Option<Tree> {
    let b = 1u8 << bit;
    let members: Vec<Node> = (0..g.len() as Node).filter(|&i| g.needs_source[i as usize] & b != 0).collect();
    if members.is_empty() {
        return None;
    }
    let mut local = vec![NONE; g.len()];
    for (k, &m) in members.iter().enumerate() {
        local[m as usize] = k as u32;
    }
    let mut arcs = Vec::new();
    for (k, &m) in members.iter().enumerate() {
        for l in g.links.row(m) {
            if l.network == bit && local[l.to as usize] != NONE {
                arcs.push((k as u32, local[l.to as usize]));
            }
        }
    }
    let adjacency = Csr::from_pairs(members.len(), &arcs);
    let sources: Vec<bool> = members.iter().map(|&m| g.source[m as usize] & b != 0).collect();
    let dom = dominators_from_sources(&adjacency, &sources);

    // Children of each node in the dominator tree; nodes dominated by no real node hang
    // from the (virtual) root.
    let n = members.len();
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(n);
    let mut roots = Vec::new();
    for v in 0..n as u32 {
        if !dom.is_reached(v) {
            continue;
        }
        match dom.idom(v) {
            Some(p) => pairs.push((p, v)),
            None => roots.push(v),
        }
    }
    let children = Csr::from_pairs(n, &pairs);
    let mut tin = vec![NONE; g.len()];
    let mut order: Vec<Node> = Vec::with_capacity(n);
    let mut end: Vec<u32> = Vec::with_capacity(n);
    // Iterative depth-first preorder; a node's end is known when its subtree is done.
    let mut stack: Vec<(u32, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
    let mut pos_of = vec![NONE; n];
    while let Some((v, done)) = stack.pop() {
        if done {
            end[pos_of[v as usize] as usize] = order.len() as u32;
            continue;
        }
        pos_of[v as usize] = order.len() as u32;
        tin[members[v as usize] as usize] = order.len() as u32;
        order.push(members[v as usize]);
        end.push(NONE);
        stack.push((v, true));
        for &c in children.row(v).iter().rev() {
            stack.push((c, false));
        }
    }
    Some(Tree { tin, end, order })
}
