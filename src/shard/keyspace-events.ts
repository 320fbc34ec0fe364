import {
  NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_HASH, NOTIFY_KEY_MISS, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE,
  NOTIFY_LIST, NOTIFY_NEW, NOTIFY_SET, NOTIFY_STREAM, NOTIFY_STRING, NOTIFY_ZSET,
} from '../config/keyspace-events.ts';

const BIT_BY_CLASS: Record<string, number> = {
  K: NOTIFY_KEYSPACE, E: NOTIFY_KEYEVENT, g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET,
  h: NOTIFY_HASH, z: NOTIFY_ZSET, x: NOTIFY_EXPIRED, e: NOTIFY_EVICTED, t: NOTIFY_STREAM, m: NOTIFY_KEY_MISS, n: NOTIFY_NEW,
};

/** Whether notify-keyspace-events (as parsed bit flags) enables the class letter `cls`. */
export function keyspaceEventsAllow(flags: number, cls: string): boolean {
  return (flags & (BIT_BY_CLASS[cls] ?? 0)) !== 0;
}
