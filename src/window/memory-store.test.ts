import { describeWindowStore } from './store-contract.js';
import { MemoryWindowStore } from './memory-store.js';

describeWindowStore('memory', async () => new MemoryWindowStore());
