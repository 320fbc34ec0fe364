// The ordered index of a large sorted set: a B+tree of (score, member) pairs whose branches count the
// elements below each child, so rank → element and element → rank are O(log n), like Redis's
// skiplist with spans. Chosen over a skiplist for V8: a leaf keeps up to 64 members and 64 scores in
// two flat arrays (scores unboxed in a double array), where a skiplist node is an object with two
// arrays of its own; bench/micro/zset.bench.ts measures both.
//
// Order is Redis's: score as a double, then member by memcmp (latin1 strings compare per byte).
// Separators in a branch are lower bounds of the child to their right; deletions leave them in place
// (still valid bounds), so only splits and removals of empty children touch them.

const LEAF_MAX = 64;
const BRANCH_MAX = 64;
/** Leaves built by fromSorted are filled to this, leaving room for inserts before a split. */
const LEAF_FILL = 56;
/** A leaf this small merges with its right sibling when both fit in one. */
const LEAF_MERGE = 16;

export class Leaf {
  members: string[] = [];
  scores: number[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Branch {
  children: Array<Leaf | Branch> = [];
  /** Elements under children[i]. */
  counts: number[] = [];
  /** sepScores[i], sepMembers[i]: a lower bound of children[i + 1]. */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

/** -1, 0, 1 as (s1, m1) sorts before, equal to, after (s2, m2). */
export function compareKeys(s1: number, m1: string, s2: number, m2: string): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1 < m2 ? -1 : m1 > m2 ? 1 : 0;
}

/** Position of the first entry of the sorted arrays at or after (score, member). */
export function searchSorted(scores: number[], members: string[], score: number, member: string): number {
  let lo = 0;
  let hi = scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = scores[mid]!;
    if (s < score || (s === score && members[mid]! < member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A monotone predicate over the order: false for a prefix of the elements, true for the rest. */
export type OrderPredicate = (score: number, member: string) => boolean;

// Descent path, shared by all trees (operations are synchronous and never nest).
const pathNodes: Branch[] = [];
const pathIndex: number[] = [];

export class RankedTree {
  private root: Leaf | Branch = new Leaf();
  size = 0;

  /** Builds a tree from entries already in order. */
  static fromSorted(members: readonly string[], scores: readonly number[]): RankedTree {
    const tree = new RankedTree();
    const n = members.length;
    if (n === 0) return tree;
    let level: Array<Leaf | Branch> = [];
    let counts: number[] = [];
    let prev: Leaf | null = null;
    for (let i = 0; i < n; i += LEAF_FILL) {
      const leaf = new Leaf();
      const end = Math.min(n, i + LEAF_FILL);
      leaf.members = members.slice(i, end);
      leaf.scores = scores.slice(i, end);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(end - i);
    }
    while (level.length > 1) {
      const up: Array<Leaf | Branch> = [];
      const upCounts: number[] = [];
      for (let i = 0; i < level.length; i += BRANCH_MAX - 8) {
        const b = new Branch();
        const end = Math.min(level.length, i + BRANCH_MAX - 8);
        let total = 0;
        for (let j = i; j < end; j++) {
          b.children.push(level[j]!);
          b.counts.push(counts[j]!);
          total += counts[j]!;
          if (j > i) {
            const first = firstLeaf(level[j]!);
            b.sepScores.push(first.scores[0]!);
            b.sepMembers.push(first.members[0]!);
          }
        }
        up.push(b);
        upCounts.push(total);
      }
      level = up;
      counts = upCounts;
    }
    tree.root = level[0]!;
    tree.size = n;
    return tree;
  }

  /** Adds an element the caller knows is absent. */
  insert(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    while (node instanceof Branch) {
      const i = childFor(node, score, member);
      node.counts[i]!++;
      pathNodes[depth] = node;
      pathIndex[depth] = i;
      depth++;
      node = node.children[i]!;
    }
    const at = searchSorted(node.scores, node.members, score, member);
    if (at === node.scores.length) {
      node.scores.push(score);
      node.members.push(member);
    } else {
      node.scores.splice(at, 0, score);
      node.members.splice(at, 0, member);
    }
    this.size++;
    if (node.scores.length > LEAF_MAX) this.splitLeaf(node, depth);
  }

  private splitLeaf(leaf: Leaf, depth: number): void {
    const half = leaf.scores.length >>> 1;
    const right = new Leaf();
    right.scores = leaf.scores.splice(half);
    right.members = leaf.members.splice(half);
    right.next = leaf.next;
    if (right.next !== null) right.next.prev = right;
    right.prev = leaf;
    leaf.next = right;
    this.addChild(depth, leaf, right, leaf.scores.length, right.scores.length, right.scores[0]!, right.members[0]!);
  }

  /** Puts `right` after `left` (the child at pathIndex[depth - 1]) in its parent, splitting upwards. */
  private addChild(
    depth: number,
    left: Leaf | Branch,
    right: Leaf | Branch,
    leftCount: number,
    rightCount: number,
    sepScore: number,
    sepMember: string,
  ): void {
    if (depth === 0) {
      const root = new Branch();
      root.children.push(left, right);
      root.counts.push(leftCount, rightCount);
      root.sepScores.push(sepScore);
      root.sepMembers.push(sepMember);
      this.root = root;
      return;
    }
    const parent = pathNodes[depth - 1]!;
    const i = pathIndex[depth - 1]!;
    parent.counts[i] = leftCount;
    parent.children.splice(i + 1, 0, right);
    parent.counts.splice(i + 1, 0, rightCount);
    parent.sepScores.splice(i, 0, sepScore);
    parent.sepMembers.splice(i, 0, sepMember);
    if (parent.children.length <= BRANCH_MAX) return;
    const mid = parent.children.length >>> 1;
    const sibling = new Branch();
    sibling.children = parent.children.splice(mid);
    sibling.counts = parent.counts.splice(mid);
    // Separators: parent keeps [0, mid - 1), [mid - 1] moves up, the sibling takes the rest.
    sibling.sepScores = parent.sepScores.splice(mid);
    sibling.sepMembers = parent.sepMembers.splice(mid);
    const upScore = parent.sepScores.pop()!;
    const upMember = parent.sepMembers.pop()!;
    this.addChild(depth - 1, parent, sibling, sum(parent.counts), sum(sibling.counts), upScore, upMember);
  }

  /** Removes (score, member); false when it is not there. */
  delete(score: number, member: string): boolean {
    let node = this.root;
    let depth = 0;
    while (node instanceof Branch) {
      const i = childFor(node, score, member);
      pathNodes[depth] = node;
      pathIndex[depth] = i;
      depth++;
      node = node.children[i]!;
    }
    const at = searchSorted(node.scores, node.members, score, member);
    if (at === node.scores.length || node.scores[at] !== score || node.members[at] !== member) return false;
    node.scores.splice(at, 1);
    node.members.splice(at, 1);
    this.size--;
    for (let d = 0; d < depth; d++) pathNodes[d]!.counts[pathIndex[d]!]!--;
    if (depth === 0) return true;
    if (node.scores.length === 0) {
      this.removeChild(depth);
    } else if (node.scores.length < LEAF_MERGE) {
      this.mergeRight(node, depth);
    }
    return true;
  }

  /** Removes the empty child at pathIndex[depth - 1] from its parent, and empty parents above it. */
  private removeChild(depth: number): void {
    const parent = pathNodes[depth - 1]!;
    const i = pathIndex[depth - 1]!;
    const child = parent.children[i]!;
    if (child instanceof Leaf) {
      if (child.prev !== null) child.prev.next = child.next;
      if (child.next !== null) child.next.prev = child.prev;
    }
    parent.children.splice(i, 1);
    parent.counts.splice(i, 1);
    if (parent.sepScores.length > 0) {
      const s = i > 0 ? i - 1 : 0;
      parent.sepScores.splice(s, 1);
      parent.sepMembers.splice(s, 1);
    }
    if (parent.children.length === 0) {
      if (depth - 1 === 0) this.root = new Leaf();
      else this.removeChild(depth - 1);
      return;
    }
    // A root with one child gives way to it.
    let root = this.root;
    while (root instanceof Branch && root.children.length === 1) root = root.children[0]!;
    this.root = root;
  }

  /** Merges a small leaf with its right sibling under the same parent when both fit in one leaf. */
  private mergeRight(leaf: Leaf, depth: number): void {
    const parent = pathNodes[depth - 1]!;
    const i = pathIndex[depth - 1]!;
    if (i + 1 >= parent.children.length) return;
    const right = parent.children[i + 1] as Leaf;
    if (leaf.scores.length + right.scores.length > LEAF_MAX >>> 1) return;
    for (let j = 0; j < right.scores.length; j++) {
      leaf.scores.push(right.scores[j]!);
      leaf.members.push(right.members[j]!);
    }
    parent.counts[i]! += parent.counts[i + 1]!;
    right.scores = [];
    right.members = [];
    parent.counts[i + 1] = 0;
    pathIndex[depth - 1] = i + 1;
    this.removeChild(depth);
  }

  /** 0-based rank of (score, member), or -1 when absent. */
  rank(score: number, member: string): number {
    let node = this.root;
    let rank = 0;
    while (node instanceof Branch) {
      const i = childFor(node, score, member);
      const counts = node.counts;
      for (let j = 0; j < i; j++) rank += counts[j]!;
      node = node.children[i]!;
    }
    const at = searchSorted(node.scores, node.members, score, member);
    if (at === node.scores.length || node.scores[at] !== score || node.members[at] !== member) return -1;
    return rank + at;
  }

  /** Rank of the first element for which `pred` holds (size when none does). */
  lowerBound(pred: OrderPredicate): number {
    let node = this.root;
    let rank = 0;
    while (node instanceof Branch) {
      // Children left of the first separator that satisfies pred hold no satisfying element.
      const ss = node.sepScores;
      const sm = node.sepMembers;
      let lo = 0;
      let hi = ss.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (pred(ss[mid]!, sm[mid]!)) hi = mid;
        else lo = mid + 1;
      }
      const counts = node.counts;
      for (let j = 0; j < lo; j++) rank += counts[j]!;
      node = node.children[lo]!;
    }
    const scores = node.scores;
    const members = node.members;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(scores[mid]!, members[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return rank + lo;
  }

  /** The leaf holding rank `rank` (0 <= rank < size); the position inside it is left in `seekIndex`. */
  seek(rank: number): Leaf {
    let node = this.root;
    while (node instanceof Branch) {
      const counts = node.counts;
      let j = 0;
      while (rank >= counts[j]!) rank -= counts[j++]!;
      node = node.children[j]!;
    }
    seekIndex = rank;
    return node;
  }

  /**
   * Calls fn for `count` elements from rank `start`, in order, or backwards (ranks start, start - 1 …)
   * when reverse. The caller keeps the ranks within [0, size).
   */
  forEachFrom(start: number, count: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    if (count <= 0) return;
    let leaf: Leaf | null = this.seek(start);
    let i = seekIndex;
    while (leaf !== null) {
      const members = leaf.members;
      const scores = leaf.scores;
      if (reverse) {
        for (; i >= 0; i--) {
          fn(members[i]!, scores[i]!);
          if (--count === 0) return;
        }
        leaf = leaf.prev;
        if (leaf !== null) i = leaf.scores.length - 1;
      } else {
        for (; i < scores.length; i++) {
          fn(members[i]!, scores[i]!);
          if (--count === 0) return;
        }
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  /** Leftmost leaf (for whole-tree walks). */
  first(): Leaf {
    return firstLeaf(this.root);
  }
}

/** Where seek() leaves the position inside the returned leaf. */
export let seekIndex = 0;

function firstLeaf(node: Leaf | Branch): Leaf {
  while (node instanceof Branch) node = node.children[0]!;
  return node;
}

/** Index of the child whose range holds (score, member): the number of separators at or before it. */
function childFor(node: Branch, score: number, member: string): number {
  const ss = node.sepScores;
  const sm = node.sepMembers;
  let lo = 0;
  let hi = ss.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = ss[mid]!;
    if (s < score || (s === score && sm[mid]! <= member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sum(a: number[]): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i]!;
  return t;
}
