import type RedisParser from 'redis-parser';
import { RespReplyReader, type ReplyReader, type ReplyReaderName, type ReplySink } from './reply-reader.ts';

/**
 * The reader the bench client uses unless --reply-parser says otherwise. Chosen by measurement:
 * `npm run bench:micro` (reply-reader.bench.ts) runs both on the same reply streams; the figures are
 * in bench/RESULTS.md. redis-parser builds a JS value per reply; the hand-written reader only skips.
 */
export const DEFAULT_REPLY_READER: ReplyReaderName = 'resp';

/**
 * redis-parser behind the bench's ReplyReader interface. It parses RESP2 only and does not report
 * reply sizes, so per-command received bytes are not attributed when it is used.
 */
export class RedisParserReplyReader implements ReplyReader {
  private readonly parser: RedisParser;

  constructor(sink: ReplySink) {
    // Loaded only when asked for: redis-parser and redis-errors (which loads node:assert) cost
    // start-up CPU in every run otherwise.
    const Parser = process.getBuiltinModule('node:module').createRequire(import.meta.url)('redis-parser') as typeof RedisParser;
    // Buffers, not strings: decoding every reply as UTF-8 is work the bench does not need.
    this.parser = new Parser({
      returnBuffers: true,
      returnReply: () => sink.onReply(0),
      returnError: (error: Error) => sink.onErrorReply(error.message, 0),
      returnFatalError: (error: Error) => {
        throw error;
      },
    });
  }

  feed(chunk: Buffer, length: number): void {
    // redis-parser may keep a reference to a partial reply's bytes, so it gets its own copy.
    this.parser.execute(Buffer.from(chunk.subarray(0, length)));
  }
}

export function createReplyReader(name: ReplyReaderName, sink: ReplySink): ReplyReader {
  return name === 'redis-parser' ? new RedisParserReplyReader(sink) : new RespReplyReader(sink);
}
