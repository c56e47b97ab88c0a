// Switchboard's Node.js bootstrap: runs one Lambda handler against the Lambda Runtime API.
//
//   node bootstrap.mjs <handler>     (the handler string may also come from _HANDLER)
//
// AWS_LAMBDA_RUNTIME_API is host:port; LAMBDA_TASK_ROOT (default: the working directory) is where
// handler paths start. When SWITCHBOARD_NODE_HANDLER_FILE is set (a bundle Switchboard built from
// TypeScript), that file is loaded instead of searching the task root; the export path still comes
// from the handler string. Only Node's built-in modules are used.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { types } from 'node:util';

const API_PREFIX = '/2018-06-01/runtime';
// Lambda's longest timeout; used only when the Runtime API sends no deadline.
const MAX_TIMEOUT_MS = 15 * 60 * 1000;

// RuntimeError is an error whose errorType is one of Lambda's Runtime.* types.
class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    if (cause && typeof cause.stack === 'string') {
      this.stack = `${type}: ${message}\n${cause.stack}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Runtime API client
//
// The Runtime API is a loopback HTTP/1.1 server that this runtime talks to twice per invocation
// (GET next, POST response), one request at a time. Like Lambda's own runtime client (native code
// in aws-lambda-ric), it skips node:http: one kept-alive socket, requests written in one piece and
// responses parsed here (Content-Length or chunked bodies), which is a large share of a small
// handler's cost otherwise.

const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

// HTTPConnection sends one request at a time over a kept-alive socket, and opens a new socket
// when the server closed the last one. Between requests the socket is unref'd, as node:http's
// agent does with its free sockets: Lambda's rules for callback handlers and unsettled promises
// depend on the event loop emptying.
class HTTPConnection {
  constructor(host, port, hostHeader) {
    this.host = host;
    this.port = port;
    this.hostHeader = hostHeader;
    this.socket = undefined;
    this.buffered = EMPTY;
    this.pending = undefined; // {resolve, reject, socket} of the request in flight
    this.queue = Promise.resolve();
  }

  // request resolves to {status, headers (lower-case names), body (a string)}; requests made
  // while one is in flight wait for it.
  request(method, path, headers, body) {
    const run = () => this.roundTrip(method, path, headers, body);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  connect() {
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      if (this.socket === socket) {
        this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
        this.parse();
      }
    });
    const lost = (err) => this.drop(socket, err ?? new Error('the Runtime API closed the connection'));
    socket.on('error', lost);
    socket.on('close', () => lost());
    this.socket = socket;
    this.buffered = EMPTY;
    return socket;
  }

  // drop forgets socket and fails the request in flight on it, if any.
  drop(socket, err) {
    if (this.socket === socket) {
      this.socket = undefined;
      this.buffered = EMPTY;
    }
    socket.destroy();
    if (this.pending?.socket === socket) {
      const { reject } = this.pending;
      this.pending = undefined;
      reject(err);
    }
  }

  roundTrip(method, path, headers, body) {
    return new Promise((resolve, reject) => {
      const socket = this.socket ?? this.connect();
      socket.ref(); // unref'd between requests, so an idle socket does not keep the event loop alive
      this.pending = { resolve, reject, socket };
      let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
      for (const name of Object.keys(headers)) {
        // A value comes from user code at times (an error's name): anything but printable ASCII
        // would break the request, a line break would even add a header.
        head += `${name}: ${String(headers[name]).replace(/[^\t\x20-\x7e]/g, '?')}\r\n`;
      }
      if (body === undefined) {
        socket.write(head + '\r\n', 'latin1');
        return;
      }
      const payload = Buffer.from(body, 'utf8');
      head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`;
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
    });
  }

  // parse completes the request in flight once its whole response is buffered.
  parse() {
    if (this.pending === undefined) {
      return;
    }
    const buf = this.buffered;
    const headEnd = buf.indexOf(CRLF2);
    if (headEnd < 0) {
      return;
    }
    const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers = {};
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
      }
    }
    const start = headEnd + CRLF2.length;
    let body;
    let end;
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const chunks = [];
      let at = start;
      for (;;) {
        const lineEnd = buf.indexOf(CRLF, at);
        if (lineEnd < 0) {
          return; // more to come
        }
        const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
        if (!(size >= 0)) {
          this.drop(this.socket, new Error('the Runtime API sent a malformed chunked body'));
          return;
        }
        if (size === 0) {
          const trailerEnd = buf.indexOf(CRLF2, lineEnd);
          if (trailerEnd < 0) {
            return;
          }
          end = trailerEnd + CRLF2.length;
          break;
        }
        if (buf.length < lineEnd + CRLF.length + size + CRLF.length) {
          return;
        }
        chunks.push(buf.subarray(lineEnd + CRLF.length, lineEnd + CRLF.length + size));
        at = lineEnd + CRLF.length + size + CRLF.length;
      }
      body = Buffer.concat(chunks).toString('utf8');
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (!(length >= 0)) {
        this.drop(this.socket, new Error('the Runtime API sent a malformed Content-Length'));
        return;
      }
      if (buf.length < start + length) {
        return;
      }
      end = start + length;
      body = buf.toString('utf8', start, end);
    }
    this.buffered = end === buf.length ? EMPTY : buf.subarray(end);
    const { resolve, socket } = this.pending;
    this.pending = undefined;
    if (/close/i.test(headers.connection ?? '')) {
      this.drop(socket);
    } else {
      socket.unref();
    }
    resolve({ status, headers, body });
  }
}

function runtimeAPI(address) {
  const url = new URL(`http://${address}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  const conn = new HTTPConnection(host, port, url.host);

  function send(method, route, body, headers = {}) {
    return conn.request(method, API_PREFIX + route, headers, body);
  }

  async function post(route, body, headers) {
    const res = await send('POST', route, body, headers);
    if (res.status < 200 || res.status > 299) {
      process.stderr.write(`switchboard bootstrap: POST ${route} answered ${res.status}: ${res.body}\n`);
    }
  }

  function postFailure(route, err) {
    const payload = errorPayload(err);
    return post(route, JSON.stringify(payload), { 'Lambda-Runtime-Function-Error-Type': payload.errorType });
  }

  return {
    async next() {
      const res = await send('GET', '/invocation/next');
      if (res.status !== 200) {
        throw new Error(`GET /invocation/next answered ${res.status}: ${res.body}`);
      }
      return res;
    },
    async respond(id, result) {
      let body;
      try {
        body = JSON.stringify(result);
      } catch (err) {
        const marshal = new RuntimeError('Runtime.MarshalError', `Unable to stringify response body: ${err.message}`, err);
        logError(id, 'Invoke Error', marshal);
        return postFailure(`/invocation/${id}/error`, marshal);
      }
      return post(`/invocation/${id}/response`, body === undefined ? 'null' : body);
    },
    fail(id, err) {
      logError(id, 'Invoke Error', err);
      return postFailure(`/invocation/${id}/error`, err);
    },
    failInit(err) {
      logError(undefined, 'Init Error', err);
      return postFailure('/init/error', err);
    },
  };
}

// errorPayload shapes an error the way Lambda's Node.js runtime reports it.
function errorPayload(err) {
  try {
    if (
      types.isNativeError(err) ||
      (err && typeof err.name === 'string' && typeof err.message === 'string' && typeof err.stack === 'string')
    ) {
      return { errorType: err.name, errorMessage: err.message, trace: String(err.stack).split('\n') };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'the error could not be converted to a message', trace: [] };
  }
}

function logError(requestId, label, err) {
  let text;
  try {
    text = JSON.stringify(errorPayload(err));
  } catch {
    text = String(err);
  }
  process.stderr.write(`${new Date().toISOString()}\t${requestId ?? 'undefined'}\tERROR\t${label} \t${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// The management API's host names
//
// AWS code reaches the @connections API at https://{apiId}.execute-api.{region}.amazonaws.com/
// {stage} or at a custom domain. SWITCHBOARD_REDIRECT_HOSTS lists those names and
// SWITCHBOARD_REDIRECT_TO the gateway's address: a connection to one of them on port 443 goes to
// the gateway instead. Every client connects through net.Socket's connect (node:https, fetch,
// http2, tls.connect), and only the address changes: TLS still sends the host name as SNI and
// checks the certificate against it, which the gateway's local CA issues for those names.

function installRedirect() {
  const hosts = new Set(
    (process.env.SWITCHBOARD_REDIRECT_HOSTS || '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const to = process.env.SWITCHBOARD_REDIRECT_TO || '';
  const colon = to.lastIndexOf(':');
  if (hosts.size === 0 || colon < 0) {
    return;
  }
  const toHost = to.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const toPort = Number(to.slice(colon + 1));
  // A wildcard "*.example.com" (a wildcard custom domain) matches one more label.
  const matches = (host) => {
    if (hosts.has(host)) {
      return true;
    }
    const dot = host.indexOf('.');
    return dot > 0 && hosts.has(`*${host.slice(dot)}`);
  };
  const redirected = (options) =>
    options !== null &&
    typeof options === 'object' &&
    typeof options.host === 'string' &&
    Number(options.port) === 443 &&
    matches(options.host.toLowerCase().replace(/\.$/, ''));
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    // net.connect passes its already normalized [options, callback] as the first argument; the
    // others pass options (or port, host) themselves. The caller's options object is never
    // changed: TLS reads the host name from it.
    if (Array.isArray(args[0])) {
      if (redirected(args[0][0])) {
        args[0][0] = { ...args[0][0], host: toHost, port: toPort };
      }
    } else if (redirected(args[0])) {
      args[0] = { ...args[0], host: toHost, port: toPort };
    } else if (typeof args[0] !== 'object' && redirected({ port: args[0], host: args[1] })) {
      args[0] = toPort;
      args[1] = toHost;
    }
    return connect.apply(this, args);
  };
}

// ---------------------------------------------------------------------------------------------
// Handler resolution, as Lambda's Node.js runtime does it

// packageTypeIsModule reports whether the nearest package.json above dir says "type": "module".
// A node_modules directory ends the search.
function packageTypeIsModule(dir) {
  for (;;) {
    if (path.basename(dir) === 'node_modules') {
      return false;
    }
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch (err) {
        process.stderr.write(`switchboard bootstrap: ignoring unreadable ${manifest}: ${err.message}\n`);
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      return false;
    }
    dir = parent;
  }
}

function importFile(file) {
  return import(pathToFileURL(file).href);
}

// loadModule finds <taskRoot>/<moduleRoot>/<name> with Lambda's search order: the extensionless
// file (require), .js (import when the nearest package.json says "type": "module", else require),
// .mjs (import), .cjs (require), then Node's own resolution of <name> from the task root.
async function loadModule(taskRoot, moduleRoot, name) {
  const base = path.resolve(taskRoot, moduleRoot, name);
  const require = createRequire(path.join(taskRoot, 'index.js'));
  if (fs.existsSync(base)) {
    return require(base);
  }
  if (fs.existsSync(`${base}.js`)) {
    return packageTypeIsModule(path.dirname(base)) ? importFile(`${base}.js`) : require(`${base}.js`);
  }
  if (fs.existsSync(`${base}.mjs`)) {
    return importFile(`${base}.mjs`);
  }
  if (fs.existsSync(`${base}.cjs`)) {
    return require(`${base}.cjs`);
  }
  return require(require.resolve(name, { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] }));
}

async function loadPrebuilt(file) {
  if (file.endsWith('.cjs')) {
    return createRequire(file)(file);
  }
  return importFile(file);
}

// loadHandler turns a handler string such as "src/connect.main" or "index.handlers.ws.connect"
// into the function to call.
async function loadHandler(taskRoot, handlerString, prebuilt) {
  if (handlerString.includes('..')) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `'${handlerString}' is not a valid handler name: it must not contain '..'`,
    );
  }
  const file = path.basename(handlerString);
  const moduleRoot = handlerString.slice(0, handlerString.lastIndexOf(file));
  const match = /^([^.]*)\.(.*)$/.exec(file);
  if (!match || match[1] === '' || match[2] === '') {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `Bad handler '${handlerString}': want <path/module>.<export>, such as src/connect.main`,
    );
  }
  const [, name, exportPath] = match;

  let mod;
  try {
    mod = prebuilt ? await loadPrebuilt(prebuilt) : await loadModule(taskRoot, moduleRoot, name);
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', String(err), err);
    }
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new RuntimeError('Runtime.ImportModuleError', String(err), err);
    }
    throw err;
  }

  const fn = exportPath.split('.').reduce((value, key) => (value == null ? undefined : value[key]), mod);
  if (fn === undefined || fn === null) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is not a function`);
  }
  return fn;
}

// ---------------------------------------------------------------------------------------------
// One invocation

function parseJSONHeader(value) {
  if (typeof value !== 'string' || value === '') {
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

// invoke runs the handler once and resolves to {result} or {error}, with Lambda's rules:
// a returned promise settles the invocation; callback(err, result) settles it, after the event
// loop empties unless context.callbackWaitsForEmptyEventLoop is false; context.done/succeed/fail
// settle it at once; only the first of these counts. If none of them happens before the event loop
// empties, the result is null (or, for an async function, a Runtime.NodeJsExit error).
function invoke(handler, isAsync, event, headers) {
  return new Promise((resolve) => {
    const requestId = headers['lambda-runtime-aws-request-id'];
    const deadlineHeader = Number(headers['lambda-runtime-deadline-ms']);
    const deadline = Number.isFinite(deadlineHeader) && deadlineHeader > 0 ? deadlineHeader : Date.now() + MAX_TIMEOUT_MS;

    let exitListener;
    const onEmptyLoop = (listener) => {
      if (exitListener) {
        process.removeListener('beforeExit', exitListener);
      }
      exitListener = listener;
      if (listener) {
        process.once('beforeExit', listener);
      }
    };

    let finished = false;
    const finish = (outcome) => {
      if (!finished) {
        finished = true;
        onEmptyLoop(undefined);
        resolve(outcome);
      }
    };

    let reported = false;
    const firstReport = (fn) => (...args) => {
      if (!reported) {
        reported = true;
        fn(...args);
      }
    };
    const done = firstReport((err, result) => finish(err !== undefined && err !== null ? { error: err } : { result }));
    let waitForEmptyLoop = true;
    const callback = firstReport((err, result) => {
      if (err !== undefined && err !== null) {
        finish({ error: err });
      } else if (!waitForEmptyLoop) {
        finish({ result });
      } else {
        onEmptyLoop(() => setImmediate(() => finish({ result })));
      }
    });

    const env = process.env;
    const context = {
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      identity: parseJSONHeader(headers['lambda-runtime-cognito-identity']),
      clientContext: parseJSONHeader(headers['lambda-runtime-client-context']),
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyLoop = value;
      },
      done,
      succeed: (result) => done(null, result),
      fail: (err) => done(err === undefined || err === null ? 'handled' : err),
    };

    onEmptyLoop(() =>
      finish(
        isAsync
          ? { error: new RuntimeError('Runtime.NodeJsExit', 'the async handler returned a promise that never settled') }
          : { result: null },
      ),
    );

    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      context.fail(err);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(context.succeed, context.fail);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Main loop

async function main() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write('switchboard bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(1);
  }
  installRedirect();
  const api = runtimeAPI(address);
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handlerString = process.argv[2] || process.env._HANDLER || '';

  let currentId;
  let initialized = false;
  const crash = (code) => async (err) => {
    try {
      if (currentId !== undefined) {
        await api.fail(currentId, err);
      } else if (!initialized) {
        await api.failInit(err);
      } else {
        logError(undefined, 'Uncaught Exception', err);
      }
    } finally {
      process.exit(code);
    }
  };
  process.on('uncaughtException', crash(129));
  process.on('unhandledRejection', crash(128));

  let handler;
  try {
    handler = await loadHandler(taskRoot, handlerString, process.env.SWITCHBOARD_NODE_HANDLER_FILE);
  } catch (err) {
    await api.failInit(err).catch(() => {});
    process.exit(1);
  }
  initialized = true;
  const isAsync = handler.constructor?.name === 'AsyncFunction';

  for (;;) {
    const next = await api.next();
    const id = next.headers['lambda-runtime-aws-request-id'];
    const trace = next.headers['lambda-runtime-trace-id'];
    if (trace) {
      process.env._X_AMZN_TRACE_ID = trace;
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
    currentId = id;
    let event;
    try {
      event = JSON.parse(next.body);
    } catch (err) {
      await api.fail(id, err);
      currentId = undefined;
      continue;
    }
    const outcome = await invoke(handler, isAsync, event, next.headers);
    if ('error' in outcome) {
      await api.fail(id, outcome.error);
    } else {
      await api.respond(id, outcome.result);
    }
    currentId = undefined;
  }
}

main().catch((err) => {
  process.stderr.write(`switchboard bootstrap: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
