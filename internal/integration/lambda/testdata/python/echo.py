"""The smallest Python handler: what a cold start costs beyond the runtime itself."""


def handler(event, context):
    return {"echo": event.get("echo")}
