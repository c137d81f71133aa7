// The traffic simulator: deterministic, seeded generators of access events for
// benign actors and attackers, and the merge that turns them into one stream.
// Same seed, same events, on every machine. Used by the scenario tests, the
// benchmarks and `exfilguard simulate` (live.ts, release.ts: live traffic in slices).
export {
  byTime,
  concerns,
  IPV6_PREFIX,
  request,
  subjectsOf,
  subjectsSeen,
  type Actor,
  type ActorOptions,
  type Identity,
  type RequestFields,
  type Role,
  type Subject,
} from './actor.js';
export {
  exportPull,
  idScan,
  notFoundProbe,
  paced,
  rotatingAccountScan,
  rotatingAddresses,
  scanIds,
  type ExportPullOptions,
  type IdWalk,
  type Pace,
  type ProbeScanOptions,
  type RotatingScanOptions,
  type ScanOptions,
  type ScanOrder,
} from './attacks.js';
export {
  cdnWarmer,
  healthProbes,
  mobileSync,
  monthlyExport,
  natOffice,
  RECORD_ROUTES,
  staffBrowsing,
  staffTeam,
  type CdnWarmerOptions,
  type MobileSyncOptions,
  type MonthlyExportOptions,
  type NatOfficeOptions,
  type ProbeOptions,
  type StaffOptions,
} from './benign.js';
export { inBatches, mergeByTime, sortedByTime } from './mix.js';
export {
  changedRecordsSync,
  GOOGLEBOT_ADDRESS,
  GOOGLEBOT_AGENT,
  publicCrawl,
  retries,
  SHARED_NAT,
  sharedAndPublicCast,
  uptimeChecks,
} from './shared-and-public.js';
export * from './paging.js';
export * from './dressed-ids.js';
export { deriveSeed, mulberry32, Random } from './random.js';
export {
  actorsConcerned,
  attackerCast,
  benignCast,
  SCAN_PACES,
  SHUFFLED_RANGE,
  standardScenario,
  type Scenario,
  type ScenarioOptions,
} from './scenario.js';
export { ATTACK_PLANS, type AttackKind, type AttackPlan } from './live-attacks.js';
export {
  attackTime,
  FIXED_BENIGN_RATE,
  liveTraffic,
  SLICE_MS,
  type AttackLaunch,
  type LiveOptions,
  type LiveSlice,
} from './live.js';
export { release, systemClock, TICK_MS, type Clock, type ReleaseHooks } from './release.js';
export {
  distributedSweep,
  rotatingSessionScraper,
  routeReaders,
  sweepCast,
  SWEEP_ROUTES,
  type ReaderOptions,
  type SweepOptions,
  type SweepOrder,
} from './sweep.js';
