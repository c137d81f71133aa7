// The report for people (Markdown) and the ids for a spreadsheet (CSV). Routes, ids,
// sessions and users come from the requests, that is from the attacker: in Markdown
// they are escaped so they cannot add table cells, links or HTML; in CSV every cell is
// quoted, and one that a spreadsheet would run as a formula (=, +, -, @, tab, CR
// first) gets a leading apostrophe (OWASP "CSV injection").
import { lockoutPhrase } from './notice.js';
import type { LinkedIdentity, ScopeReport } from './schema.js';
import type { RouteIds } from './tally.js';

export function reportMarkdown(report: ScopeReport): string {
  const who = md(`${report.scope}:${report.subject}`);
  const out: string[] = [`# Breach-scope report: ${who}`, ''];
  const period = `${report.period.from ?? 'the start of the input'} to ${report.period.to ?? 'its end'}`;
  out.push(`Period read: ${period} (event time).`, '');
  out.push('## Summary for the notice (GDPR art. 33)', '');
  for (const sentence of report.notice.text) out.push(`- ${md(sentence)}`);
  out.push('', '## Activity', '');
  out.push(`- requests: ${report.requests}, answered with success (2xx): ${report.succeeded}`);
  out.push(`- bytes served: ${report.bytes}`);
  if (report.firstRequest) out.push(`- first request: ${requestText(report.firstRequest)}`);
  if (report.lastRequest) out.push(`- last request: ${requestText(report.lastRequest)}`);
  out.push('', '## Routes and the records served', '');
  out.push('| route | requests | 2xx | bytes | records reported | distinct ids | ids |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const route of report.routes) {
    const ids = route.ids
      .map((r) => (r.count === 1 ? md(r.first) : `${md(r.first)}–${md(r.last)} (${r.count})`))
      .join(', ');
    out.push(
      `| ${md(route.route)} | ${route.requests} | ${route.succeeded} | ${route.bytes} | ` +
        `${route.recordsReported} | ${route.distinctIds} | ${ids} |`,
    );
  }
  out.push('', '## Identities seen with the subject', '');
  out.push(...linkedSection('Addresses', report.linked.addresses));
  out.push(...linkedSection('Sessions', report.linked.sessions));
  out.push(...linkedSection('Users', report.linked.users));
  out.push(...lockoutSection(report));
  return `${out.join('\n')}\n`;
}

function requestText(request: NonNullable<ScopeReport['firstRequest']>): string {
  return `${request.time} ${md(request.method)} ${md(request.route)} → ${request.status}`;
}

function linkedSection(title: string, list: readonly LinkedIdentity[]): string[] {
  if (list.length === 0) return [`${title}: none.`, ''];
  return [
    `${title}:`,
    '',
    '| value | requests | first | last |',
    '| --- | ---: | --- | --- |',
    ...list.map((l) => `| ${md(l.value)} | ${l.requests} | ${l.first} | ${l.last} |`),
    '',
  ];
}

function lockoutSection(report: ScopeReport): string[] {
  const { lockout, enforcementGap: gap } = report;
  const out = ['## Lockout and the enforcement gap', ''];
  if (!lockout) return [...out, 'No lockout was given (--lockout ID or --locked-at TIME).'];
  out.push(`- ${md(lockoutPhrase(lockout))}${lockout.mode ? `, mode ${lockout.mode}` : ''}`);
  if (lockout.reason) out.push(`- reason: ${md(lockout.reason)}`);
  if (gap) {
    out.push(
      `- after it: ${gap.requests} requests, ${gap.succeeded} answered with success ` +
        `(${gap.distinctIds} distinct ids, ${gap.bytes} bytes)` +
        (gap.firstSucceeded ? `, from ${gap.firstSucceeded} to ${gap.lastSucceeded}` : ''),
      '- per gateway: the access events name no gateway, so the gap is not split by one',
    );
  }
  return out;
}

/** Text from requests made safe for Markdown: no cell breaks, markup, HTML or line breaks. */
export function md(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) out += '\uFFFD';
    else if (MARKDOWN_SPECIAL.has(char)) out += `\\${char}`;
    else out += char;
  }
  return out;
}

const MARKDOWN_SPECIAL = new Set(['\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '&']);

export const CSV_HEADER = 'scope,subject,route,id,after_lockout';

/** One row per id served with success: the list a controller checks record by record. */
export function idsCsv(report: ScopeReport, routes: readonly RouteIds[]): string {
  const rows = [CSV_HEADER];
  const subject = `${csv(report.scope)},${csv(report.subject)}`;
  for (const { route, ids } of routes)
    for (const { id, inGap } of ids)
      rows.push(`${subject},${csv(route)},${csv(id)},${report.lockout ? String(inGap) : ''}`);
  return `${rows.join('\r\n')}\r\n`;
}

function csv(cell: string): string {
  const first = cell.charAt(0);
  const safe = '=+-@\t\r'.includes(first) && first !== '' ? `'${cell}` : cell;
  return `"${safe.replaceAll('"', '""')}"`;
}
