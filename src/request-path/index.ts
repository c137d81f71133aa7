// How a server reads a request path, shared by the event stage (its cap on path length)
// and the normalize stage (route and id). Other folders import from here only.
export { compactPath } from './compact.js';
export { MAX_SEGMENTS, pathEnd, pathStart, readSegments, type ReadPath } from './path-reader.js';
export { decodePercent } from './percent.js';
