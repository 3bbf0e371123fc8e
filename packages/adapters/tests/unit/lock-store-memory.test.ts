import { createMemoryLockStore } from "@sst-state/core/memory/lock-store";
import { lockStoreContract } from "../contract/lock-store.contract.ts";

lockStoreContract("memory", async () => ({ store: createMemoryLockStore() }));
