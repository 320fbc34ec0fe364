// The error a malformed request raises. Its message is Redis's reply text without the leading '-'
// (for example "ERR Protocol error: invalid multibulk length"): the connection replies it and then
// closes, as Redis does after a protocol error.
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}
