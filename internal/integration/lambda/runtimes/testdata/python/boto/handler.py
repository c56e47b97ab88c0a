"""Uses boto3, which Lambda's Python runtime provides, against the endpoint in the event."""

import boto3


def post(event, context):
    client = boto3.client("apigatewaymanagementapi", endpoint_url=event["endpoint"], region_name="us-east-1")
    client.post_to_connection(ConnectionId=event["connectionId"], Data=event["data"].encode("utf-8"))
    return {"posted": True, "boto3": boto3.__version__}
