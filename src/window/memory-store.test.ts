import { describeWindowStore } from '../../test/contract/window-store-contract.js';
import { MemoryWindowStore } from './memory-store.js';

describeWindowStore('memory', async () => new MemoryWindowStore());
