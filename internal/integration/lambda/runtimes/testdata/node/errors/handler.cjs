class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

// An async handler that throws.
exports.throws = async () => {
  throw new ValidationError('bad input');
};

// A handler that throws a non-Error value.
exports.throwsString = async () => {
  throw 'plain string';
};

// Not a function.
exports.notFunction = 42;

// An async handler whose promise never settles and leaves nothing else to do: once the event loop
// is empty Lambda reports Runtime.NodeJsExit.
exports.neverSettles = async () => new Promise(() => {});

// A promise rejected with nobody listening: Lambda reports the error and ends the process.
exports.unhandledRejection = async () => {
  Promise.reject(new RangeError('nobody caught this'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return 'unreachable';
};

// A handler whose error name is not a valid header value: it has a line break and a non-ASCII
// letter. The body keeps the name; the Lambda-Runtime-Function-Error-Type header cannot.
exports.throwsOddName = async () => {
  const err = new Error('odd name');
  err.name = 'Odd\r\nX-Injected: yes é';
  throw err;
};
