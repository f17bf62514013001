import { storeContract } from '../contract/store.ts';
import { memoryStore } from '../doubles/store.ts';

// The in-memory double against the same contract dynamoStore meets (test/integration/store-contract.test.ts).
storeContract('memory store', async () => {
  const memory = memoryStore();
  return { store: memory.store, seed: memory.seed, history: async (app) => memory.history(app) };
});
