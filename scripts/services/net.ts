import { createServer } from "node:net";

/** A TCP port on loopback that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `probe` every 100 ms until it resolves true, or throw `timeoutMessage` after `ms`. */
export async function waitFor(probe: () => Promise<boolean>, ms: number, onTimeout: () => Error): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw onTimeout();
    await new Promise((r) => setTimeout(r, 100));
  }
}
