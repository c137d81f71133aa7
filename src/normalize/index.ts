// The normalize stage: request paths → route templates and object ids, client
// addresses → actor keys, and CIDR allowlists. Pure and synchronous; nothing
// here does I/O or keeps state between calls.
export { normalizeEvent, type NormalizedEvent } from './normalize.js';
export {
  normalizePath,
  idSpaceRoute,
  ID_PLACEHOLDER,
  MAX_ROUTE_LENGTH,
  TRUNCATED,
  type IdKind,
  type NormalizedPath,
} from './route.js';
export { queryParam, visitQueryParams } from './query.js';
export { actorIp, formatIp, parseIp, type IpAddress } from './ip.js';
export { cidrContains, formatCidr, parseCidr, type Cidr } from './cidr.js';
export { CidrSet } from './cidr-set.js';
export type { Ipv6Groups } from './ipv6.js';
