// Paging: one actor reading a collection page after page (`?page=N`, `?offset=N`,
// `?cursor=…`), counted per actor across all its list routes, so spreading a walk
// over `/api/customers` and `/api/v2/customers`, or alternating `page` and `offset`,
// counts it all. Figures: [pages, records, estimated pages]:
//  - a page is a successful (2xx) request for a position past the first: page ≥ 2,
//    offset ≥ 1, or a cursor. First pages are never counted (a list refreshed, a
//    dashboard polled), nor pages the service says were empty (`records: 0`: the
//    end of a collection, a feed tail with nothing new);
//  - its records are the event's `records` where the service logs it, else the
//    request's limit (`limit`, `per_page`, …), else `defaultLimit`; either way at
//    most `maxLimit`, so `limit=1e18` counts as `maxLimit` and keeps the window's
//    sums finite (set `maxLimit` at or above `records`: one deep page asking for
//    more than the records threshold fires);
//  - estimated pages: those whose records came from a limit, not from `records`.
// Every deep request counts, a re-read of page 7 too: a counter window cannot tell
// a position it has seen (that needs per-position memory) and re-reads only lock
// sooner. A person going back to a list page after each record is the cost; the
// thresholds leave room for that (see rules/paging.yaml).
// Bucketed like every counter: the sums may include up to one bucket of older traffic.
import { z } from 'zod';
import { visitQueryParams, type NormalizedEvent } from '../normalize/index.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { counterObservation, wholeActor, type CompileDetector } from './detector.js';

const paramNames = z.array(z.string().min(1).max(64)).min(1).max(32);

export const PAGING_DEFAULTS = {
  pageParams: ['page', 'pageNumber', 'page_number'],
  offsetParams: ['offset', 'skip'],
  cursorParams: ['cursor', 'pageToken', 'page_token', 'starting_after', 'continuation'],
  limitParams: ['limit', 'per_page', 'perPage', 'pageSize', 'page_size', 'size', 'count', 'take'],
  defaultLimit: 50,
  maxLimit: 10_000,
} as const;

const ROLES = ['pageParams', 'offsetParams', 'cursorParams', 'limitParams'] as const;
type Role = (typeof ROLES)[number];

export const pagingConfig = z
  .object({
    kind: z.literal('paging'),
    /** Pages past the first. */
    pages: threshold.optional(),
    /** Records of those pages. */
    records: threshold.optional(),
    /** Parameter names, compared case-insensitively (ASP.NET binds `PAGE` to `page`). */
    pageParams: paramNames.default([...PAGING_DEFAULTS.pageParams]),
    offsetParams: paramNames.default([...PAGING_DEFAULTS.offsetParams]),
    cursorParams: paramNames.default([...PAGING_DEFAULTS.cursorParams]),
    limitParams: paramNames.default([...PAGING_DEFAULTS.limitParams]),
    /** Records of a page without `records` and without a limit: the service's page size. */
    defaultLimit: threshold.default(PAGING_DEFAULTS.defaultLimit),
    /** The most records one page counts for, whatever its limit or `records` say. */
    maxLimit: threshold.default(PAGING_DEFAULTS.maxLimit),
  })
  .strict()
  .refine((v) => v.pages !== undefined || v.records !== undefined, {
    message: 'a paging rule needs "pages", "records" or both',
  })
  .superRefine((v, ctx) => {
    const seen = new Map<string, Role>();
    for (const role of ROLES) {
      v[role].forEach((name, i) => {
        const other = seen.get(name.toLowerCase());
        if (other === undefined) seen.set(name.toLowerCase(), role);
        else {
          ctx.addIssue({
            code: 'custom',
            path: [role, i],
            message: `"${name}" is already in ${other}: a parameter has one role`,
          });
        }
      });
    }
    if (v.defaultLimit > v.maxLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultLimit'],
        message: `defaultLimit ${v.defaultLimit} is above maxLimit ${v.maxLimit}`,
      });
    }
  });
export type PagingConfig = z.infer<typeof pagingConfig>;

/** Cursor values clients send for "no cursor yet": the first page. */
const FIRST_CURSORS: ReadonlySet<string> = new Set(['', 'null', 'undefined', '0', 'false']);
const LONGEST_FIRST_CURSOR = 9;

/** What the query string says: is this a page past the first, and the limit asked for. */
interface PageQuery {
  readonly deep: boolean;
  /** The largest limit asked for (≥ 1), undefined when none. */
  readonly limit: number | undefined;
}

/**
 * A number as servers read it, the larger of two readings: `Number` (JavaScript,
 * also `1e3`, `0x10`, ` 7 `) and a leading integer (`parseInt`, most frameworks:
 * `7abc` is 7). Taking the larger leaves an attacker no spelling that the server
 * reads as a deep page or a large limit while we read a small one. Both built-ins
 * are linear in the text. Undefined when neither reads a number.
 */
export function numberAsServersRead(text: string): number | undefined {
  const whole = Number(text);
  const leading = Number.parseInt(text, 10);
  if (Number.isNaN(whole)) return Number.isNaN(leading) ? undefined : leading;
  return Number.isNaN(leading) ? whole : Math.max(whole, leading);
}

function isFirstCursor(value: string): boolean {
  return value.length <= LONGEST_FIRST_CURSOR && FIRST_CURSORS.has(value.trim().toLowerCase());
}

/** One pass over the query with the rule's names; every occurrence of a name counts. */
function pageQueryReader(config: PagingConfig): (query: string) => PageQuery {
  const wanted = new Map<string, Role>();
  for (const role of ROLES) for (const name of config[role]) wanted.set(name.toLowerCase(), role);
  return (query) => {
    let deep = false;
    let limit: number | undefined;
    visitQueryParams(query, wanted, (role, value) => {
      if (role === 'cursorParams') {
        deep ||= !isFirstCursor(value);
        return;
      }
      const n = numberAsServersRead(value);
      if (n === undefined) return;
      if (role === 'pageParams') deep ||= n >= 2;
      else if (role === 'offsetParams') deep ||= n >= 1;
      else if (n >= 1) limit = Math.max(limit ?? 0, n);
    });
    return { deep, limit };
  };
}

const NOT_A_PAGE: PageQuery = { deep: false, limit: undefined };

export const compilePaging: CompileDetector<PagingConfig> = (config, { window }) => {
  const read = pageQueryReader(config);
  const { defaultLimit, maxLimit } = config;
  // One-entry memo: the rule's match (accepts) and then observe, once per scope the
  // rule measures, all read the same event's query: parse it once.
  let lastQuery = '';
  let lastPage = NOT_A_PAGE;
  const pageOf = (event: NormalizedEvent): PageQuery => {
    if (event.query !== lastQuery) {
      lastQuery = event.query;
      lastPage = event.query === '' ? NOT_A_PAGE : read(event.query);
    }
    return lastPage;
  };
  return {
    needs: {
      numericId: false,
      objectId: false,
      accepts: (event) =>
        event.status >= 200 &&
        event.status < 300 &&
        event.records !== 0 &&
        event.query !== '' &&
        pageOf(event).deep,
    },
    // Figures: pages, records, estimated pages.
    fire: { atLeast: [config.pages ?? null, config.records ?? null] },
    windowKey: wholeActor,
    observe: (event, key) => {
      const logged = event.records;
      const records = Math.min(logged ?? pageOf(event).limit ?? defaultLimit, maxLimit);
      return counterObservation(event, window, key, [1, records, logged === undefined ? 1 : 0]);
    },
    describe: (reading) => {
      const [pages = 0, records = 0, estimated = 0] = reading;
      return {
        figures: {
          pages,
          records,
          estimatedPages: estimated,
          ...(config.pages !== undefined && { pagesThreshold: config.pages }),
          ...(config.records !== undefined && { recordsThreshold: config.records }),
          defaultLimit,
          maxLimit,
          windowSeconds: window.windowMs / 1000,
        },
        reason:
          `${pages} pages past the first, ${records} records` +
          `${estimated > 0 ? ` (${estimated} pages counted by their limit)` : ''}` +
          ` in ${formatDuration(window.windowMs)}`,
      };
    },
  };
};
