// A worker of `replay --workers N` other than the first (shard-team.ts starts it): the
// same replay over the same input, with its own shard of the window state and nothing
// announced (the first worker announces the lockouts every worker finds alike).
// Reports its evictions, or its failure in words, to the first.
import { parentPort, workerData } from 'node:worker_threads';
import { DistinctHash } from '../detect/index.js';
import { compileRuleSet } from '../rules/compile.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import { runReplay } from './replay.js';
import { ShardedStore } from './shard.js';
import type { ShardPeerData, ShardPeerReport } from './shard-team.js';

const data = workerData as ShardPeerData;
const report = (message: ShardPeerReport) => parentPort!.postMessage(message);

try {
  const rules = compileRuleSet(data.ruleSet, DistinctHash.fromDerivedKey(data.breadthKey));
  const local = new MemoryWindowStore({
    ...(data.maxWindows !== undefined && { maxWindows: data.maxWindows }),
  });
  const store = new ShardedStore(data.shard, data.ports, local);
  await runReplay(
    {
      inputs: data.inputs,
      rules,
      format: data.format,
      reorderMs: data.reorderMs,
      ...(data.batchSize !== undefined && { batchSize: data.batchSize }),
    },
    { onLockout: () => undefined },
    store,
    local.evicted,
    performance.now(),
  );
  // The channels stay open until the first worker, which has every answer too, stops us.
  report({ evicted: local.evicted });
} catch (error) {
  report({ failed: error instanceof Error ? error.message : String(error) });
}
