// The event time of a line, read without parsing the line, so that replay can hold the
// line unparsed until its time is due (replay/event-order.ts).
//
// Read are the shapes producers write, as parseEvent would read them: a JSON line that
// starts `{"ts":"` and the time's text, and a combined log line's `[time]`, found as
// the combined parser finds it. Anything else is NaN (the caller parses the line at
// once), and so is a time out of the schema's range, which no valid event has. For a
// valid line the time read is the one parseEvent gives (both read it with the same
// functions), but for a JSON line that names `ts` twice: JSON.parse keeps the last,
// which the caller finds when it parses the line.
import { isEventTimeInRange } from './calendar.js';
import { combinedLineTime } from './combined.js';
import { contentStart, type EventFormat } from './parse.js';
import { parseIsoTime } from './time.js';

const PREFIX = '{"ts":"';

/** Epoch ms of the event on the line, if it can be read without parsing it; else NaN. */
export function peekEventTime(line: string, format: EventFormat): number {
  const ts =
    format === 'combined'
      ? combinedLineTime(line, contentStart(line))
      : jsonOrCombinedTime(line, format);
  return isEventTimeInRange(ts) ? ts : NaN;
}

/** As parseEvent reads a record in format `auto` (JSON if it starts with `{`) or `json`. */
function jsonOrCombinedTime(line: string, format: EventFormat): number {
  if (line.startsWith(PREFIX)) {
    const end = line.indexOf('"', PREFIX.length);
    // An escape (`\u0032`) leaves a backslash in the text, and a text over 64 characters
    // is no time: parseIsoTime refuses both, as the schema does.
    return end === -1 ? NaN : parseIsoTime(line.slice(PREFIX.length, end));
  }
  if (format === 'json') return NaN;
  const start = contentStart(line);
  const first = line.charCodeAt(start);
  // Another JSON object or array (`[`): read by parsing it.
  return first === 0x7b || first === 0x5b ? NaN : combinedLineTime(line, start);
}
