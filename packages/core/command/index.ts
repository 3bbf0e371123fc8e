export * from "./verbs.ts";
export * from "./parse.ts";
export * from "./suggest.ts";
export * from "./help.ts";
