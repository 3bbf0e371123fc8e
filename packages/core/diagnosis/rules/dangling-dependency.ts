import type { Rule } from "../types.ts";
import { danglingFindings } from "../refs.ts";

/** A `dependency` reference to a URN that is not in the state. */
export const danglingDependency: Rule = {
  name: "dangling-dependency",
  group: "structure",
  description: "dependency references to resources that are not in the state",
  run: ({ current, stage }) => danglingFindings(current, stage, "dependency"),
};
