/**
 * `npm run bench -- diagnosis`: every state rule (structure, history, lock groups) on a generated
 * 50k-resource stage with a previous version, next to `JSON.parse` of the current state's bytes
 * measured in the same run (the floor: any diagnosis has to read the state at least once).
 */
import { evolveCheckpoint, generateCheckpoint, serializeCheckpoint } from "@sst-state/test-kit/generate";
import { parseCheckpoint } from "../../packages/core/state/parse.ts";
import { runDiagnosis } from "../../packages/core/diagnosis/runner.ts";
import type { DiagnosisInput } from "../../packages/core/diagnosis/types.ts";

const RESOURCES = 50_000;
const RUNS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<void> {
  const prevObj = generateCheckpoint({ app: "bench", stage: "prod", resources: RESOURCES, seed: 42 });
  const curObj = evolveCheckpoint(prevObj, { seed: 43, add: 500, remove: 500, change: 1000 });
  const curText = serializeCheckpoint(curObj);
  const prevText = serializeCheckpoint(prevObj);
  const bytes = new TextEncoder().encode(curText);
  const now = Date.parse(String((curObj.checkpoint as { latest: { manifest: { time: string } } }).latest.manifest.time)) + 3_600_000;
  console.log(`stage: ${RESOURCES.toLocaleString("en-US")} resources, current state ${(bytes.length / 1e6).toFixed(1)} MB; median of ${RUNS} runs`);

  const floor: number[] = [];
  const rules: number[] = [];
  let findings = 0;
  for (let i = 0; i < RUNS; i++) {
    // fresh checkpoints each run: the rules' per-checkpoint index is part of what is measured
    const current = parseCheckpoint(bytes);
    const previous = parseCheckpoint(prevText);
    const input: DiagnosisInput = {
      app: "bench",
      stage: "prod",
      now,
      current,
      previous,
      sstLock: null,
      lockUpdate: null,
      updates: [{ id: "a".repeat(24), command: "deploy", errors: [], timeStarted: new Date(now - 60_000).toISOString(), timeCompleted: new Date(now).toISOString() }],
      objectVersionCount: 4_000,
      snapshotCount: 120,
    };
    const text = new TextDecoder().decode(bytes);
    let t = performance.now();
    JSON.parse(text);
    floor.push(performance.now() - t);
    t = performance.now();
    const report = runDiagnosis(input, { groups: ["structure", "history", "lock"] });
    rules.push(performance.now() - t);
    findings = report.findings.length;
  }
  const f = median(floor);
  const r = median(rules);
  console.log(`JSON.parse of the current state (floor)   ${f.toFixed(1).padStart(8)} ms`);
  console.log(`all state rules (15), current + previous  ${r.toFixed(1).padStart(8)} ms   (×${(r / f).toFixed(2)} of the floor; ${findings} findings)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
