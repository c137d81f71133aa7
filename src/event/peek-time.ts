// The event time of a JSON line, read without parsing the line, so that replay can
// hold the line unparsed until its time is due (replay/event-order.ts).
//
// Only the shape canonical producers write is read: the line starts `{"ts":"`, then
// the time's text. Anything else is NaN, and the caller parses the line at once. For
// a valid line that names `ts` once, the time read is the one parseEvent gives (both
// read the text with parseIsoTime); a line that names it twice gives JSON.parse's last
// one, which the caller finds when it parses the line.
import { parseIsoTime } from './time.js';

const PREFIX = '{"ts":"';

/** Epoch ms of a line that starts `{"ts":"<ISO-8601>"`, NaN for any other line. */
export function peekEventTime(line: string): number {
  if (!line.startsWith(PREFIX)) return NaN;
  const end = line.indexOf('"', PREFIX.length);
  // An escape (`\u0032`) leaves a backslash in the text, and a text over 64 characters
  // is no time: parseIsoTime refuses both, as the schema does.
  return end === -1 ? NaN : parseIsoTime(line.slice(PREFIX.length, end));
}
