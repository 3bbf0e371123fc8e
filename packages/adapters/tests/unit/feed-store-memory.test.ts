/** The in-memory FeedStore (tests) passes the same contract as the DynamoDB one. */
import { createMemoryFeedStore } from "@sst-state/test-kit/memory/feed-store";
import { feedStoreContract } from "../contract/feed-store.contract.ts";

feedStoreContract("memory", () => createMemoryFeedStore());
