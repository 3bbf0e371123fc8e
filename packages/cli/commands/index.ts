/**
 * Every CLI command, in the order `sst-state help` lists them. A new verb is a file in this folder
 * that default-exports a CliCommand, added here.
 */
import type { CliCommand } from "../cli-types.ts";
import status from "./status.ts";
import history from "./history.ts";
import diff from "./diff.ts";
import diagnose from "./diagnose.ts";
import demo from "./demo.ts";
import lock from "./lock.ts";
import unlock from "./unlock.ts";
import locks from "./locks.ts";
import run from "./run.ts";
import serve from "./serve.ts";
import restore from "./restore.ts";
import audit from "./audit.ts";

export const commands: CliCommand[] = [status, history, diff, diagnose, lock, unlock, locks, run, restore, audit, serve, demo];
