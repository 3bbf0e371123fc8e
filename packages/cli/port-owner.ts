/**
 * Who listens on a TCP port, for `serve`'s "port in use" error. Linux only (elsewhere: unknown):
 * /proc/net/tcp{,6} lists sockets as `local_address` (hex ip:port), `st` (0A = LISTEN) and
 * `inode`; /proc/<pid>/fd/* of a process holding that socket links to `socket:[<inode>]`
 * (proc(5)). Processes of other users cannot be read without privileges: then only "a process"
 * is known, and the error still says how to pick another port.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort}`) && cols[3] === "0A") inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/** "pid 1234 (node packages/cli/bin/sst-state.mjs serve)", or undefined when it cannot be told. */
export function describePortOwner(port: number): string | undefined {
  const inodes = listeningInodes(port);
  if (!inodes.size) return undefined;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        let cmd = "";
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
        } catch {
          /* gone meanwhile */
        }
        return `pid ${pid}${cmd ? ` (${cmd.length > 120 ? cmd.slice(0, 117) + "…" : cmd})` : ""}`;
      }
    }
  }
  return "a process of another user";
}
