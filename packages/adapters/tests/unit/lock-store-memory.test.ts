import { createMemoryLockStore } from "@sst-state/test-kit/memory/lock-store";
import { lockStoreContract } from "../contract/lock-store.contract.ts";

lockStoreContract("memory", async () => ({ store: createMemoryLockStore() }));
