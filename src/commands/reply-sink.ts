// The part of the reply encoder that command replies need. src/resp/reply-writer.ts implements
// it; tests can implement it with a tiny encoder. In RESP2, map(n) writes an array of 2n
// elements and set(n) an array of n; nil() is a null bulk string ($-1) or RESP3 null (_).
export interface ReplySink {
  simple(s: string): void;
  error(s: string): void;
  integer(n: number): void;
  bulk(s: string): void;
  nil(): void;
  array(n: number): void;
  map(n: number): void;
  set(n: number): void;
}
