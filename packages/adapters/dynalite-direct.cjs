// dynalite in this process, without HTTP: the embedded store's owner (embedded-dynamo.ts) sends
// its own requests here, and serves other processes over HTTP only once it publishes.
//
// A request takes the steps of dynalite 4.0.0's HTTP handler (node_modules/dynalite/index.js,
// httpHandler from L210) after the transport ones (headers, signature, target), with the same
// answers, so the JSON client (dynamodb-json-client.ts) reads both alike:
//   - a body over 16 MiB → 413 with no body (MAX_REQUEST_BYTES, L11 and L215–220)
//   - the body is JSON text, parsed here; none or not JSON → 400 SerializationException (L277–282, L386–387)
//   - an operation dynalite does not have → 400 UnknownOperationException (L285–288)
//   - validations.checkTypes, then checkValidations; an error with a statusCode is the answer (L390–401)
//   - actions[<operation>](store, data, cb): an error with a statusCode is the answer, else 200 (L403–410)
// What dynalite's handler throws (an error without a statusCode: a bug, a closed database) kills
// its server; here it rejects the call.
//
// serve() puts dynalite's own HTTP server in front of the same store: index.js builds its store with
// `db.create(options)` (L45), so that is swapped for one call to hand it this one. Closing that
// server closes the store (its close override, from L59); before it listens, close() here does.
const db = require("dynalite/db");
const validations = require("dynalite/validations");

// dynalite's operations (index.js L16–18), each with its action and its validation, loaded on first use.
const operations = {
  BatchGetItem: () => [require("dynalite/actions/batchGetItem.js"), require("dynalite/validations/batchGetItem.js")],
  BatchWriteItem: () => [require("dynalite/actions/batchWriteItem.js"), require("dynalite/validations/batchWriteItem.js")],
  CreateTable: () => [require("dynalite/actions/createTable.js"), require("dynalite/validations/createTable.js")],
  DeleteItem: () => [require("dynalite/actions/deleteItem.js"), require("dynalite/validations/deleteItem.js")],
  DeleteTable: () => [require("dynalite/actions/deleteTable.js"), require("dynalite/validations/deleteTable.js")],
  DescribeTable: () => [require("dynalite/actions/describeTable.js"), require("dynalite/validations/describeTable.js")],
  DescribeTimeToLive: () => [require("dynalite/actions/describeTimeToLive.js"), require("dynalite/validations/describeTimeToLive.js")],
  GetItem: () => [require("dynalite/actions/getItem.js"), require("dynalite/validations/getItem.js")],
  ListTables: () => [require("dynalite/actions/listTables.js"), require("dynalite/validations/listTables.js")],
  ListTagsOfResource: () => [require("dynalite/actions/listTagsOfResource.js"), require("dynalite/validations/listTagsOfResource.js")],
  PutItem: () => [require("dynalite/actions/putItem.js"), require("dynalite/validations/putItem.js")],
  Query: () => [require("dynalite/actions/query.js"), require("dynalite/validations/query.js")],
  Scan: () => [require("dynalite/actions/scan.js"), require("dynalite/validations/scan.js")],
  TagResource: () => [require("dynalite/actions/tagResource.js"), require("dynalite/validations/tagResource.js")],
  UntagResource: () => [require("dynalite/actions/untagResource.js"), require("dynalite/validations/untagResource.js")],
  UpdateItem: () => [require("dynalite/actions/updateItem.js"), require("dynalite/validations/updateItem.js")],
  UpdateTable: () => [require("dynalite/actions/updateTable.js"), require("dynalite/validations/updateTable.js")],
};

const answer = (status, body) => ({ status, text: JSON.stringify(body) });
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** @param {{ path?: string, createTableMs?: number, deleteTableMs?: number, updateTableMs?: number }} options */
module.exports = function createDirectDynalite(options) {
  // opens dynalite's LevelDB (options.path) as it is created, as dynalite() does
  const store = db.create(options);
  /** @type {import("node:http").Server | undefined} */
  let server;
  let closing;
  return {
    call(operation, body) {
      return new Promise((resolve, reject) => {
        if (Buffer.byteLength(body) > MAX_REQUEST_BYTES) return resolve({ status: 413, text: "" });
        let data;
        try {
          data = body ? JSON.parse(body) : undefined;
        } catch {
          return resolve(answer(400, { __type: "com.amazon.coral.service#SerializationException" }));
        }
        if (!Object.hasOwn(operations, operation)) return resolve(answer(400, { __type: "com.amazon.coral.service#UnknownOperationException" }));
        if (data === undefined) return resolve(answer(400, { __type: "com.amazon.coral.service#SerializationException" }));
        try {
          const [action, validation] = operations[operation]();
          data = validations.checkTypes(data, validation.types);
          validations.checkValidations(data, validation.types, validation.custom, store);
          action(store, data, (err, out) => {
            if (err && err.statusCode) return resolve(answer(err.statusCode, err.body));
            if (err) return reject(err);
            resolve(answer(200, out));
          });
        } catch (err) {
          if (err && err.statusCode) return resolve(answer(err.statusCode, err.body));
          reject(err);
        }
      });
    },
    serve() {
      if (server) return server;
      const create = db.create;
      db.create = () => store;
      try {
        server = require("dynalite")(options);
      } finally {
        db.create = create;
      }
      return server;
    },
    close() {
      closing ??= new Promise((resolve, reject) => {
        // a listening server closes the store after its connections; a server never listened has nothing to close
        if (server?.listening) {
          server.close((err) => (err ? reject(err) : resolve()));
          // guests keep idle keep-alive connections open; they reconnect (and re-open) on their own
          server.closeIdleConnections();
        } else store.lifecycleManager.gracefulClose((err) => (err ? reject(err) : resolve()));
      });
      return closing;
    },
  };
};
