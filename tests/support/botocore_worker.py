"""Reads AWS config texts as botocore does, for tests/config_differential.rs.

One JSON object per line on stdin: {"text": "<file contents>", "kind":
"config" | "credentials"}. The text is written as UTF-8 bytes to a file and
read back with botocore.configloader: load_config for a config file,
raw_config_parse for a credentials file. One JSON line per request on stdout:
{"ok": true, "view": {...}} or {"ok": false, "error": "<type>: <message>"}.
The first line written is {"ready": true, "botocore": "<version>"}; the
process exits when stdin closes. Run with PYTHONUTF8=1 (UTF-8 decoding).
"""

import json
import os
import sys
import tempfile

import botocore
import botocore.configloader as configloader
import botocore.exceptions


def main():
    out = sys.stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config")
        out.write(json.dumps({"ready": True, "botocore": botocore.__version__}) + "\n")
        out.flush()
        for line in sys.stdin:
            request = json.loads(line)
            with open(path, "wb") as f:
                f.write(request["text"].encode("utf-8"))
            try:
                if request.get("kind") == "credentials":
                    view = configloader.raw_config_parse(path)
                else:
                    view = configloader.load_config(path)
                reply = {"ok": True, "view": view}
            except botocore.exceptions.ConfigParseError as e:
                reply = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            out.write(json.dumps(reply) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
