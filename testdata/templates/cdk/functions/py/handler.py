"""Replies with the route and stage of the message, from a CDK asset directory."""


def main(event, context):
    rc = event["requestContext"]
    return {"statusCode": 200, "body": f"python on {rc['stage']}: {rc['routeKey']}"}
