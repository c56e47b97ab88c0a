"""Switchboard's Python bootstrap: runs one Lambda handler against the Lambda Runtime API.

    python3 -u bootstrap.py <handler>    (the handler string may also come from _HANDLER)

AWS_LAMBDA_RUNTIME_API is host:port; LAMBDA_TASK_ROOT (default: the working directory) goes first
on sys.path, as on Lambda. The handler string "src/connect.main" is split at its last dot: the
module "src.connect" is imported and its attribute "main" is called as main(event, context).
Only the standard library is used.
"""

import decimal
import http.client
import importlib
import importlib.util
import json
import logging
import os
import socket
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
# Lambda's longest timeout; used only when the Runtime API sends no deadline.
MAX_TIMEOUT_MS = 15 * 60 * 1000


class RuntimeFault(Exception):
    """An error reported with one of Lambda's Runtime.* error types."""

    def __init__(self, error_type, message, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


class CognitoIdentity:
    """The caller's Amazon Cognito identity, when the invocation carries one."""

    def __init__(self, raw):
        self.cognito_identity_id = raw.get("cognitoIdentityId")
        self.cognito_identity_pool_id = raw.get("cognitoIdentityPoolId")


class ClientContext:
    """The mobile client context, when the invocation carries one."""

    def __init__(self, raw):
        self.client = raw.get("client")
        self.custom = raw.get("custom")
        self.env = raw.get("env")


def _json_header(headers, name):
    value = headers.get(name)
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


class LambdaContext:
    """The context object handed to the handler, with the attributes Lambda's runtime provides."""

    def __init__(self, request_id, headers):
        env = os.environ
        self.aws_request_id = request_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        identity = _json_header(headers, "Lambda-Runtime-Cognito-Identity")
        self.identity = CognitoIdentity(identity) if isinstance(identity, dict) else None
        client_context = _json_header(headers, "Lambda-Runtime-Client-Context")
        self.client_context = ClientContext(client_context) if isinstance(client_context, dict) else None
        try:
            deadline = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        except ValueError:
            deadline = 0
        self._deadline_ms = deadline if deadline > 0 else int(time.time() * 1000) + MAX_TIMEOUT_MS

    def get_remaining_time_in_millis(self):
        """Milliseconds left before the invocation's deadline (never negative)."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message):
        """Writes message to the function's log (stdout), as context.log does on Lambda."""
        sys.stdout.write(str(message))
        sys.stdout.flush()


class RuntimeAPI:
    """A client for the Lambda Runtime API on one keep-alive connection."""

    def __init__(self, address):
        self._address = address
        self._conn = http.client.HTTPConnection(address)

    def _request(self, method, route, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self._conn.request(method, API_PREFIX + route, body=body, headers=headers or {})
                response = self._conn.getresponse()
                return response.status, response.headers, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reconnect once.
                self._conn.close()
                if attempt == 1:
                    raise

    def _post(self, route, body, headers=None):
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        status, _, answer = self._request("POST", route, body.encode("utf-8"), all_headers)
        if not 200 <= status <= 299:
            sys.stderr.write("switchboard bootstrap: POST %s answered %d: %s\n" % (route, status, answer.decode("utf-8", "replace")))

    def next(self):
        status, headers, body = self._request("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("GET /invocation/next answered %d: %s" % (status, body.decode("utf-8", "replace")))
        return headers, body

    def respond(self, request_id, body):
        self._post("/invocation/%s/response" % request_id, body)

    def fail(self, request_id, payload):
        self._post("/invocation/%s/error" % request_id, json.dumps(payload), _error_type_header(payload))

    def fail_init(self, payload):
        self._post("/init/error", json.dumps(payload), _error_type_header(payload))


def _error_type_header(payload):
    """The Lambda-Runtime-Function-Error-Type header for payload. The type can come from user
    code (an exception class's name); anything but printable ASCII would make http.client refuse
    the request, so it becomes "?" here (the body keeps the name as it is)."""
    value = "".join(c if c == "\t" or " " <= c <= "~" else "?" for c in str(payload["errorType"]))
    return {"Lambda-Runtime-Function-Error-Type": value}


def error_payload(exc, request_id=None):
    """Shapes an exception the way Lambda's Python runtime reports it."""
    if isinstance(exc, RuntimeFault):
        payload = {"errorMessage": exc.message, "errorType": exc.error_type, "stackTrace": exc.stack}
    else:
        payload = {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
        }
    if request_id is not None:
        payload["requestId"] = request_id
    return payload


def log_error(payload):
    lines = ["[ERROR] %s: %s" % (payload["errorType"], payload["errorMessage"])]
    if payload["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in payload["stackTrace"])
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def load_handler(handler_string):
    """Imports the handler's module and returns the function to call."""
    try:
        module_path, function_name = handler_string.rsplit(".", 1)
    except ValueError as exc:
        raise RuntimeFault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler_string, exc))
    if not module_path or not function_name:
        raise RuntimeFault("Runtime.MalformedHandlerName", "Bad handler '%s': want <module>.<function>" % handler_string)
    module_name = module_path.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise RuntimeFault(
            "Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % module_path
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RuntimeFault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_path, exc))
    except SyntaxError as exc:
        where = '  File "%s" Line %s\n    %s' % (exc.filename, exc.lineno, (exc.text or "").strip())
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_path, exc), [where]
        )
    handler = getattr(module, function_name, None)
    if handler is None:
        raise RuntimeFault(
            "Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_path)
        )
    if not callable(handler):
        raise RuntimeFault(
            "Runtime.HandlerNotFound", "Handler '%s' on module '%s' is not callable" % (function_name, module_path)
        )
    return handler


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


class _RequestIdFilter(logging.Filter):
    """Stamps log records with the current invocation's request id."""

    request_id = None

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def setup_logging():
    """Gives the root logger a stdout handler in Lambda's format, so logger.info shows up once the
    handler raises the level, as it does on Lambda."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def install_redirect():
    """Sends connections to the management API's host names to the gateway.

    AWS code reaches the @connections API at https://{apiId}.execute-api.{region}.amazonaws.com/
    {stage} or at a custom domain. SWITCHBOARD_REDIRECT_HOSTS lists those names and
    SWITCHBOARD_REDIRECT_TO the gateway's address. Clients (botocore's urllib3, requests,
    http.client, asyncio) resolve the name they connect to with socket.getaddrinfo: for one of
    those names on port 443 it answers with the gateway's address. Only the address changes: TLS
    still sends the host name as SNI and checks the certificate against it, which the gateway's
    local CA issues for those names.
    """
    hosts = {h.strip().lower() for h in os.environ.get("SWITCHBOARD_REDIRECT_HOSTS", "").split(",") if h.strip()}
    to_host, _, to_port = os.environ.get("SWITCHBOARD_REDIRECT_TO", "").rpartition(":")
    if not hosts or not to_host or not to_port.isdigit():
        return
    to_host = to_host.strip("[]")
    original = socket.getaddrinfo

    def matches(name):
        # A wildcard "*.example.com" (a wildcard custom domain) matches one more label.
        name = name.lower().rstrip(".")
        label, dot, rest = name.partition(".")
        return name in hosts or (label != "" and dot != "" and "*." + rest in hosts)

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if isinstance(name, str) and matches(name) and str(port) in ("443", "https"):
            return original(to_host, int(to_port), *args, **kwargs)
        return original(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


class BotocoreEndpointShim:
    """Gives the clients of a botocore older than 1.31 the endpoint that newer botocore (and the
    boto3 of Lambda's Python runtimes) takes from the environment: AWS_ENDPOINT_URL_<SERVICE ID>,
    else AWS_ENDPOINT_URL, for a client created without endpoint_url. It waits on sys.meta_path
    for botocore.session to be imported (importing botocore here would slow every cold start),
    then wraps Session.create_client when the botocore is older."""

    def find_spec(self, name, path=None, target=None):
        if name != "botocore.session":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            patch_create_client(module)

        spec.loader.exec_module = exec_and_patch
        return spec


def patch_create_client(session_module):
    import botocore

    try:
        version = tuple(int(x) for x in botocore.__version__.split(".")[:2])
    except ValueError:
        return
    if version >= (1, 31):
        return
    original = session_module.Session.create_client

    def create_client(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's fifth parameter after service_name.
        if len(args) < 5 and kwargs.get("endpoint_url") is None:
            try:
                service_id = self.get_service_model(service_name).service_id
            except Exception:
                service_id = service_name
            key = "AWS_ENDPOINT_URL_" + str(service_id).upper().replace(" ", "_").replace("-", "_")
            url = os.environ.get(key) or os.environ.get("AWS_ENDPOINT_URL")
            if url:
                kwargs["endpoint_url"] = url
        return original(self, service_name, *args, **kwargs)

    session_module.Session.create_client = create_client


def main():
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("switchboard bootstrap: AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    handler_string = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # sys.path[0] is this script's directory; the task root takes its place, as on Lambda.
    sys.path[0] = task_root
    setup_logging()
    install_redirect()
    if any(k.startswith("AWS_ENDPOINT_URL") for k in os.environ):
        sys.meta_path.insert(0, BotocoreEndpointShim())
    api = RuntimeAPI(address)

    try:
        handler = load_handler(handler_string)
    except Exception as exc:  # any failure while importing user code is an init error
        payload = error_payload(exc)
        log_error(payload)
        api.fail_init(payload)
        sys.exit(1)

    while True:
        headers, body = api.next()
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _RequestIdFilter.request_id = request_id
        try:
            event = json.loads(body)
            result = handler(event, LambdaContext(request_id, headers))
        except Exception as exc:
            payload = error_payload(exc, request_id)
            log_error(payload)
            api.fail(request_id, payload)
            continue
        try:
            answer = json.dumps(result, default=_json_default)
        except (TypeError, ValueError) as exc:
            payload = error_payload(
                RuntimeFault("Runtime.MarshalError", "Unable to marshal response: %s" % exc), request_id
            )
            log_error(payload)
            api.fail(request_id, payload)
            continue
        api.respond(request_id, answer)


if __name__ == "__main__":
    main()
