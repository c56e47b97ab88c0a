"""A Python handler importing modules only layers provide (python/, python/lib/python3.X/site-packages)."""
import os
import subprocess
import sys

import layer_greeting
import layer_zipped


def handler(event, context):
    return {
        "greeting": layer_greeting.GREETING,
        "zipped": layer_zipped.ZIPPED,
        "tool": subprocess.run(["layer-tool"], capture_output=True, text=True).stdout.strip(),
        "path": sys.path,
        "PYTHONPATH": os.environ.get("PYTHONPATH"),
        "version": "%d.%d" % sys.version_info[:2],
    }
