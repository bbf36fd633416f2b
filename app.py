"""GAN Explorer in the browser.

    python app.py [--share] [--demo] [--port N] [--host H] [--auth user:pass]

--demo serves a read-only app: nothing can train, save, reset or write files.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gan_explorer.ui import build_demo, launch
from gan_explorer.ui.state import RUNS_DIR


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    parser.add_argument("--demo", action="store_true", help="read-only: no training, saving, resetting or file writes")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve the local network")
    parser.add_argument("--auth", metavar="USER:PASS", help="require this login")
    args = parser.parse_args(argv)
    if args.auth is not None:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            parser.error("--auth takes USER:PASS")
        args.auth = (user, password)
    return args


# Built at import so `gradio app.py` (auto-reload) and tests find `demo`; flags only when run as a script.
ARGS = parse_args(sys.argv[1:] if __name__ == "__main__" else [])
# Gradio keeps uploads and the pictures it serves in GRADIO_TEMP_DIR, by default /tmp/gradio: shared with every
# other Gradio app on the machine, and readable through this app's /gradio_api/file= route. Ours live in our
# own data directory instead (read by each component as it is built, so this comes before build_demo).
os.environ.setdefault("GRADIO_TEMP_DIR", str((RUNS_DIR / "gradio-tmp").resolve()))
demo = build_demo(read_only=ARGS.demo)

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    launch(demo, read_only=ARGS.demo, share=ARGS.share, host=ARGS.host, port=ARGS.port, auth=ARGS.auth)
