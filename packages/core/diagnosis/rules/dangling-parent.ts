import type { Rule } from "../types.ts";
import { danglingFindings } from "../refs.ts";

/** A `parent` reference to a URN that is not in the state. */
export const danglingParent: Rule = {
  name: "dangling-parent",
  group: "structure",
  description: "parent references to resources that are not in the state",
  run: ({ current, stage }) => danglingFindings(current, stage, "parent"),
};
