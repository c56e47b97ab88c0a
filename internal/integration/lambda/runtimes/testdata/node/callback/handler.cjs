// Callback-style and legacy handlers.

// callback(null, result) with the default callbackWaitsForEmptyEventLoop = true: Lambda sends the
// result once the event loop is empty, so the change made by the timer is included.
exports.waits = (event, context, callback) => {
  const result = { stage: 'at-callback', waits: context.callbackWaitsForEmptyEventLoop };
  callback(null, result);
  setTimeout(() => {
    result.stage = 'after-timer';
  }, 20);
};

// The same with callbackWaitsForEmptyEventLoop = false: the result is sent at once.
exports.noWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  const result = { stage: 'at-callback' };
  callback(null, result);
  setTimeout(() => {
    result.stage = 'after-timer';
  }, 20);
};

// A callback error.
exports.fails = (event, context, callback) => {
  setTimeout(() => callback(new TypeError('callback failure')), 1);
};

// context.succeed, the legacy API, called later.
exports.legacy = (event, context) => {
  setTimeout(() => context.succeed({ legacy: true }), 1);
};

// A plain function returning a non-promise value: Lambda ignores the value and, once the event
// loop is empty, responds null.
exports.sync = (event) => ({ ignored: event.n });

// Only the first outcome counts.
exports.twice = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  callback(null, 'first');
  callback(null, 'second');
};
