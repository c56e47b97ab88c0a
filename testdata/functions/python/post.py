"""A message handler that posts its reply back with boto3, the client built from the event the
way AWS's samples build it."""
import json

import boto3


def handler(event, context):
    rc = event["requestContext"]
    domain, stage = rc["domainName"], rc["stage"]
    client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domain}/{stage}")
    data = json.loads(event["body"])["data"]
    client.post_to_connection(ConnectionId=rc["connectionId"], Data=f"python posted: {data}".encode())
    return {"statusCode": 200}
