// A sorted set (Redis's t_zset.c data side) with Redis 7.0's two encodings:
// - listpack: while it holds at most zset-max-listpack-entries elements, none longer than
//   zset-max-listpack-value bytes. Here: two flat arrays (members, scores) sorted by (score, member);
//   membership is a linear scan, as in Redis's listpack.
// - skiplist: beyond those limits, for good (conversion is one way, as in Redis). Here: a RankedTree
//   (order statistics: rank ↔ element in O(log n)) plus a Map member → score.
// The command layer decides when to convert (zsetAdd's rules) and calls toSkiplist().

import type { RedisObject } from './value.ts';
import { RankedTree, searchSorted, seekIndex, type Leaf, type OrderPredicate } from './ranked-tree.ts';
import { registerValueCodec } from '../ipc/value-transfer.ts';

export class ZSetValue implements RedisObject {
  /** OBJECT IDLETIME's clock (RedisObject.accessTime). */
  accessTime = 0;
  /** listpack form (null once converted). */
  private lpMembers: string[] | null = [];
  private lpScores: number[] | null = [];
  /** skiplist form (null while listpack). */
  private tree: RankedTree | null = null;
  private dict: Map<string, number> | null = null;

  get kind(): 'zset' {
    return 'zset';
  }

  encoding(): string {
    return this.dict === null ? 'listpack' : 'skiplist';
  }

  get isListpack(): boolean {
    return this.dict === null;
  }

  get size(): number {
    return this.dict === null ? this.lpScores!.length : this.dict.size;
  }

  /** A set with these elements, given in order; skiplist-encoded when `skiplist`. */
  static fromSorted(members: string[], scores: number[], skiplist: boolean): ZSetValue {
    const z = new ZSetValue();
    if (!skiplist) {
      for (let i = 0; i < scores.length; i++) if (scores[i] === 0) scores[i] = 0;
      z.lpMembers = members;
      z.lpScores = scores;
      return z;
    }
    z.lpMembers = z.lpScores = null;
    z.tree = RankedTree.fromSorted(members, scores);
    const dict = new Map<string, number>();
    for (let i = 0; i < members.length; i++) dict.set(members[i]!, scores[i]!);
    z.dict = dict;
    return z;
  }

  /** Converts to the skiplist encoding (no-op when already there). */
  toSkiplist(): void {
    if (this.dict !== null) return;
    const members = this.lpMembers!;
    const scores = this.lpScores!;
    this.tree = RankedTree.fromSorted(members, scores);
    const dict = new Map<string, number>();
    for (let i = 0; i < members.length; i++) dict.set(members[i]!, scores[i]!);
    this.dict = dict;
    this.lpMembers = this.lpScores = null;
  }

  clone(): ZSetValue {
    const members: string[] = [];
    const scores: number[] = [];
    this.forRange(0, this.size, false, (m, s) => {
      members.push(m);
      scores.push(s);
    });
    return ZSetValue.fromSorted(members, scores, this.dict !== null);
  }

  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    const i = this.lpMembers!.indexOf(member);
    return i < 0 ? undefined : this.lpScores![i];
  }

  /** Adds a member the caller knows is absent (conversion already decided by the caller). */
  insert(member: string, score: number): void {
    if (this.dict !== null) {
      this.dict.set(member, score);
      this.tree!.insert(score, member);
      return;
    }
    const scores = this.lpScores!;
    const members = this.lpMembers!;
    // A listpack keeps scores as text or integers, and -0 comes back as 0 (measured on 7.0.15).
    if (score === 0) score = 0;
    const at = searchSorted(scores, members, score, member);
    if (at === scores.length) {
      scores.push(score);
      members.push(member);
    } else {
      scores.splice(at, 0, score);
      members.splice(at, 0, member);
    }
  }

  /** Moves a present member from `from` to score `to`. */
  updateScore(member: string, from: number, to: number): void {
    this.removeKnown(member, from);
    this.insert(member, to);
  }

  /** Removes a member; false when it is absent. */
  remove(member: string): boolean {
    const score = this.score(member);
    if (score === undefined) return false;
    this.removeKnown(member, score);
    return true;
  }

  private removeKnown(member: string, score: number): void {
    if (this.dict !== null) {
      this.dict.delete(member);
      this.tree!.delete(score, member);
      return;
    }
    const at = searchSorted(this.lpScores!, this.lpMembers!, score, member);
    this.lpScores!.splice(at, 1);
    this.lpMembers!.splice(at, 1);
  }

  /** 0-based rank in ascending order, or -1 when absent. */
  rank(member: string): number {
    if (this.dict !== null) {
      const score = this.dict.get(member);
      return score === undefined ? -1 : this.tree!.rank(score, member);
    }
    return this.lpMembers!.indexOf(member);
  }

  /** Rank of the first element for which the monotone predicate holds (size when none). */
  lowerBound(pred: OrderPredicate): number {
    if (this.dict !== null) return this.tree!.lowerBound(pred);
    const scores = this.lpScores!;
    const members = this.lpMembers!;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(scores[mid]!, members[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Rank of the first element with score >= min (> min when exclusive). */
  firstByScore(min: number, exclusive: boolean): number {
    return this.lowerBound(exclusive ? (s) => s > min : (s) => s >= min);
  }

  /**
   * Rank of the first member >= min (> min when exclusive) in byte order, assuming equal scores as
   * lexicographic ranges do. `bound` is -1 for "-" (before everything), 1 for "+" (after everything).
   */
  firstByLex(min: string, exclusive: boolean, bound: number): number {
    if (bound < 0) return 0;
    if (bound > 0) return this.size;
    return this.lowerBound(exclusive ? (_s, m) => m > min : (_s, m) => m >= min);
  }

  memberAt(rank: number): string {
    if (this.dict === null) return this.lpMembers![rank]!;
    const leaf: Leaf = this.tree!.seek(rank);
    return leaf.members[seekIndex]!;
  }

  scoreAt(rank: number): number {
    if (this.dict === null) return this.lpScores![rank]!;
    const leaf: Leaf = this.tree!.seek(rank);
    return leaf.scores[seekIndex]!;
  }

  /**
   * Calls fn for `count` elements from rank `start` forwards, or backwards (start, start - 1 …) when
   * reverse. The caller keeps the visited ranks within [0, size); fn must not modify the set.
   */
  forRange(start: number, count: number, reverse: boolean, fn: (member: string, score: number) => void): void {
    if (this.dict !== null) {
      this.tree!.forEachFrom(start, count, reverse, fn);
      return;
    }
    const members = this.lpMembers!;
    const scores = this.lpScores!;
    if (reverse) for (let i = start; count > 0; i--, count--) fn(members[i]!, scores[i]!);
    else for (let i = start; count > 0; i++, count--) fn(members[i]!, scores[i]!);
  }

  /** Removes `count` elements from rank `start` upwards; returns the removed members. */
  removeRange(start: number, count: number): string[] {
    const removed: string[] = [];
    if (count <= 0) return removed;
    if (this.dict === null) {
      this.lpScores!.splice(start, count);
      return this.lpMembers!.splice(start, count);
    }
    const scores: number[] = [];
    this.tree!.forEachFrom(start, count, false, (m, s) => {
      removed.push(m);
      scores.push(s);
    });
    for (let i = 0; i < removed.length; i++) {
      this.dict.delete(removed[i]!);
      this.tree!.delete(scores[i]!, removed[i]!);
    }
    return removed;
  }

  /** The longest member's length in bytes (for the encoding of stored results). */
  maxMemberLength(): number {
    let max = 0;
    this.forRange(0, this.size, false, (m) => {
      if (m.length > max) max = m.length;
    });
    return max;
  }
}

// Cross-worker transfer: "L" or "S" (encoding), then per element 8 latin1 chars of the IEEE-754
// score, the member's length as a base-128 varint (one char per 7 bits), and the member's bytes.
const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

export function encodeZSet(z: ZSetValue): string {
  const parts: string[] = [z.isListpack ? 'L' : 'S'];
  z.forRange(0, z.size, false, (member, score) => {
    f64[0] = score;
    let head = String.fromCharCode(u8[0]!, u8[1]!, u8[2]!, u8[3]!, u8[4]!, u8[5]!, u8[6]!, u8[7]!);
    let n = member.length;
    while (n >= 0x80) {
      head += String.fromCharCode(0x80 | (n & 0x7f));
      n >>>= 7;
    }
    parts.push(head + String.fromCharCode(n), member);
  });
  return parts.join('');
}

export function decodeZSet(payload: string): ZSetValue {
  const members: string[] = [];
  const scores: number[] = [];
  let p = 1;
  while (p < payload.length) {
    for (let i = 0; i < 8; i++) u8[i] = payload.charCodeAt(p + i);
    p += 8;
    scores.push(f64[0]!);
    let n = 0;
    let shift = 0;
    for (;;) {
      const c = payload.charCodeAt(p++);
      n += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      shift += 7;
    }
    members.push(payload.slice(p, p + n));
    p += n;
  }
  return ZSetValue.fromSorted(members, scores, payload[0] === 'S');
}

registerValueCodec('zset', {
  encode: (value) => encodeZSet(value as ZSetValue),
  decode: decodeZSet,
});
