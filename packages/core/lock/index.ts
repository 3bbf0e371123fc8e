export type { AcquireRequest, AcquireResult, AnnouncementStore, Lease, LeaseRecord, LockEnd, LockEvent, LockStore } from "./types.ts";
export {
  createLocker,
  defaultHolder,
  describeHeldLock,
  isLive,
  leaseOf,
  nextLease,
  keepAlive,
  lockName,
  type HolderIdentity,
  type KeepAlive,
  type KeepAliveEnd,
  type KeepAliveOptions,
  type Locker,
  type LockerAcquireRequest,
  type LockerAcquireResult,
  type LockerForceReleaseResult,
  type LockerHeartbeatResult,
  type LockerOptions,
  type LockerReleaseResult,
} from "./lease.ts";
export { LOCK_RELEASE_ACTION_ID, parseReleaseButtonValue, releaseButtonValue } from "./release-button.ts";
export { createLockAnnouncer, type AnnounceResult, type LockAnnouncer, type LockAnnouncerOptions } from "./announce.ts";
