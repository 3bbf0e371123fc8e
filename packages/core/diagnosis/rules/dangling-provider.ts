import type { Rule } from "../types.ts";
import { danglingFindings } from "../refs.ts";

/** A `provider` reference to a URN that is not in the state. */
export const danglingProvider: Rule = {
  name: "dangling-provider",
  group: "structure",
  description: "provider references to resources that are not in the state",
  run: ({ current, stage }) => danglingFindings(current, stage, "provider"),
};
