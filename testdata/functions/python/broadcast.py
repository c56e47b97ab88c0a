"""A chat-style message handler with boto3, as deployed to AWS Lambda: it calls another HTTPS
service ($SERVICE_URL, whose CA is $SERVICE_CA), then posts "python: <data> (service: <reply>)" to
every connection in $CONNECTIONS_FILE with an apigatewaymanagementapi client whose endpoint is, by
the message's "via": "execute-api" (default) the URL AWS's samples build from the event's apiId,
AWS_REGION and the stage; "domain" https://{domainName}/{stage}; "env" none (boto3 reads
AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI, botocore 1.31 and newer, older ones through
Switchboard's bootstrap); "custom"
$CUSTOM_DOMAIN_ENDPOINT (https://{custom domain}/{path})."""
import json
import os
import ssl
import urllib.request

import boto3
import botocore


def call_service():
    if not os.environ.get("SERVICE_URL"):
        return ""
    ctx = ssl.create_default_context(cafile=os.environ["SERVICE_CA"])
    with urllib.request.urlopen(os.environ["SERVICE_URL"], context=ctx, timeout=10) as resp:
        return resp.read().decode()


def handler(event, context):
    rc = event["requestContext"]
    message = json.loads(event["body"])
    via = message.get("via", "execute-api")
    if via == "execute-api":
        endpoint = "https://%s.execute-api.%s.amazonaws.com/%s" % (rc["apiId"], os.environ["AWS_REGION"], rc["stage"])
        client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    elif via == "domain":
        client = boto3.client("apigatewaymanagementapi", endpoint_url="https://%s/%s" % (rc["domainName"], rc["stage"]))
    elif via == "env":
        client = boto3.client("apigatewaymanagementapi")
    elif via == "custom":
        client = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["CUSTOM_DOMAIN_ENDPOINT"])
    else:
        raise ValueError("unknown via %r" % via)
    service = call_service()
    with open(os.environ["CONNECTIONS_FILE"]) as f:
        ids = f.read().split()
    data = "python: %s (service: %s)" % (message["data"], service)
    for connection_id in ids:
        client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
    return {"statusCode": 200, "body": "Data sent with botocore " + botocore.__version__}


def context_reply(event, context):
    """Replies with the environment and the invocation context as a Python handler sees them."""
    fields = {}
    for name in dir(context):
        if name.startswith("_"):
            continue
        value = getattr(context, name)
        fields[name] = "function" if callable(value) else value
    fields["remaining_time_in_millis"] = context.get_remaining_time_in_millis()
    body = {"env": dict(os.environ), "context": fields, "botocore": botocore.__version__}
    return {"statusCode": 200, "body": json.dumps(body, default=str)}
