/**
 * Modules Node 20 loads only when a lazy getter of a built-in's exports is read: `process.report`,
 * `crypto.webcrypto`, `util.MIMEType`, `fs.ReadStream`. An ES module import of the built-in reads
 * them all (scripts/ingress-plugins.mjs builtinsAsCommonJs), so a process that loads none of them
 * imported none as an ES module. Ids as `process.moduleLoadList` names them ("NativeModule <id>",
 * Node 20's undocumented list; lib/internal/bootstrap/realm.js compileForInternalLoader).
 */
export const LAZY_BUILTINS = ["internal/process/report", "internal/crypto/webcrypto", "internal/mime", "internal/fs/streams"];

/**
 * A lazy getter's module that the CLI and the ingress do read (`util.parseArgs`, their command
 * parser): a test that finds it in the list knows the ids are still Node's, so an empty
 * LAZY_BUILTINS match means something.
 */
export const READ_LAZY_BUILTIN = "internal/util/parse_args/parse_args";
