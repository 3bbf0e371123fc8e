/**
 * A single-node OpenStack Swift with its S3 layer (s3api) and object versioning: the only S3
 * server that runs here and keeps versions and delete markers. Debian packages:
 * swift-proxy swift-object swift-container swift-account (`scripts/services/install.sh`).
 * Note: it answers 501 to conditional PUTs (If-Match / If-None-Match).
 *
 * Credentials: access key `test:tester`, secret `testing`; region us-east-1; path-style.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./net.ts";

const RING_SCRIPT = `
import sys
from swift.common.ring import RingBuilder
d = sys.argv[1]
for spec in sys.argv[2:]:
    name, port = spec.split(":")
    b = RingBuilder(6, 1, 1)
    b.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
    b.rebalance()
    b.get_ring().save(f"{d}/{name}.ring.gz")
`;

export const swiftCredentials = { accessKeyId: "test:tester", secretAccessKey: "testing" };

/** Why Swift cannot start here (one of its servers not installed); undefined when it can. */
export function swiftMissing(): string | undefined {
  for (const bin of ["swift-proxy-server", "swift-object-server", "swift-container-server", "swift-account-server"]) {
    const r = spawnSync("sh", ["-c", `command -v ${bin}`]);
    if (r.status !== 0) return `OpenStack Swift is not installed (${bin} not found).`;
  }
  return undefined;
}

export async function startSwift(): Promise<{ endpoint: string; stop: () => Promise<void>; pids: number[] }> {
  const absent = swiftMissing();
  if (absent) {
    throw new Error(
      `${absent} The S3 integration tests need it.\n` +
        `Install it with: bash scripts/services/install.sh   (apt-get install swift-proxy swift-object swift-container swift-account)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "sst-state-swift-"));
  mkdirSync(join(dir, "srv/d1"), { recursive: true });
  const [acc, con, obj, proxy] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const servers = { account: acc, container: con, object: obj } as const;
  for (const [name, port] of Object.entries(servers)) {
    writeFileSync(
      join(dir, `${name}-server.conf`),
      `[DEFAULT]\ndevices = ${dir}/srv\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 0\nuser = ${process.env.USER ?? "root"}\nswift_dir = ${dir}\nlog_address = /nonexistent\n[pipeline:main]\npipeline = ${name}-server\n[app:${name}-server]\nuse = egg:swift#${name}\n`,
    );
  }
  // One Python process builds all three rings (swift-ring-builder would take ~1.3 s per call).
  const rings = spawnSync(
    "/usr/bin/python3",
    ["-c", RING_SCRIPT, dir, ...Object.entries(servers).map(([n, p]) => `${n}:${p}`)],
    { cwd: dir, encoding: "utf8" },
  );
  if (rings.status !== 0) throw new Error(`building Swift rings failed: ${rings.stderr}`);
  writeFileSync(
    join(dir, "proxy-server.conf"),
    `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${proxy}
workers = 0
user = ${process.env.USER ?? "root"}
swift_dir = ${dir}
log_address = /nonexistent
[pipeline:main]
pipeline = catch_errors gatekeeper proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
`,
  );
  const procs: ChildProcess[] = [];
  for (const name of ["account", "container", "object", "proxy"]) {
    procs.push(spawn(`swift-${name}-server`, [join(dir, `${name}-server.conf`)], { cwd: dir, stdio: "ignore", detached: false }));
  }
  const endpoint = `http://127.0.0.1:${proxy}`;
  await waitFor(
    async () => (await fetch(`${endpoint}/info`)).ok,
    60_000,
    () => {
      for (const p of procs) p.kill("SIGKILL");
      return new Error(`OpenStack Swift did not answer on ${endpoint} within 60 s (config in ${dir}).`);
    },
  );
  return {
    endpoint,
    pids: procs.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
    stop: async () => {
      for (const p of procs) p.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 200));
      for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
