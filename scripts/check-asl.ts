/**
 * `node --import tsx scripts/check-asl.ts`: validates the diagnosis state machine definition
 * (the one infra/workflow.ts deploys and the CLI runs locally) with asl-validator. Exits non-zero
 * with the validator's messages when the definition is invalid. CI runs it.
 */
import { createRequire } from "node:module";
import { buildDiagnosisDefinition, placeholderResources } from "../packages/core/diagnosis/workflow-definition.ts";

interface AslValidation {
  isValid: boolean;
  errors: unknown[];
  errorsText(separator?: string): string;
}
type AslValidator = (definition: unknown, opts?: { checkPaths?: boolean; checkArn?: boolean }) => AslValidation;

const validator = createRequire(import.meta.url)("asl-validator") as AslValidator;

/** Validates a definition (ARNs and JSONPaths checked). */
export function checkDefinition(definition: unknown): { valid: boolean; errors: string } {
  const result = validator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return { valid: result.isValid, errors: result.errorsText("\n") };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const definition = buildDiagnosisDefinition(placeholderResources());
  const { valid, errors } = checkDefinition(definition);
  const states = Object.keys(definition.States).length;
  if (!valid) {
    console.error(`The diagnosis state machine definition is invalid:\n${errors}`);
    process.exit(1);
  }
  console.log(`The diagnosis state machine definition is valid (${states} top-level states).`);
}
