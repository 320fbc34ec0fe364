// One command as RESP (a multibulk of bulk strings), for the fan-out tester's few connections, whose
// requests are built once or are rare (the load generator proper encodes in bench/request-encoder.ts).
export function encodeCommand(argv: readonly string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
