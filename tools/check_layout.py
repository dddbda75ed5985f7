"""Measure, in headless Chromium, whether any page of the built book scrolls sideways at a given width.

    .venv/bin/python tools/check_layout.py 1280 "_build/html/notebooks/*.html"
    .venv/bin/python tools/check_layout.py 390 "_build/html/book/*.html"      (a phone)

Needs a `chromium` on PATH (not a dependency of the course: run it where one is installed). For each
page it prints the document's scroll width against the window's, and, when the page is wider, the
elements that overflow without a scroll box of their own. Exit code 1 if any page scrolls sideways.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from tornado.websocket import websocket_connect

async def main(pages, width):
    prof = tempfile.mkdtemp()
    proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=9333",
                             f"--user-data-dir={prof}", f"--window-size={width},1000", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                tabs = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json"))
                break
            except Exception:
                time.sleep(0.2)
        ws_url = [t for t in tabs if t["type"] == "page"][0]["webSocketDebuggerUrl"]
        ws = await websocket_connect(ws_url, max_message_size=100_000_000)
        n = 0
        wide = 0

        async def call(method, **params):
            nonlocal n
            n += 1
            await ws.write_message(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                msg = json.loads(await ws.read_message())
                if msg.get("id") == n:
                    return msg
        await call("Emulation.setDeviceMetricsOverride", width=width, height=1000, deviceScaleFactor=1, mobile=width < 500)
        for page in pages:
            await call("Page.navigate", url="file://" + os.path.abspath(page))
            await asyncio.sleep(2.5)
            r = await call("Runtime.evaluate", expression="""JSON.stringify({sw: document.documentElement.scrollWidth,
                cw: document.documentElement.clientWidth,
                wide: [...document.querySelectorAll("main *")].filter(e => e.scrollWidth > e.clientWidth + 1 && ["visible"].includes(getComputedStyle(e).overflowX) && e.clientWidth > 0).slice(-6).map(e => e.tagName + "." + e.className + ":" + e.scrollWidth + ">" + e.clientWidth)})""", returnByValue=True)
            v = json.loads(r["result"]["result"]["value"])
            print(f"{width}px {os.path.basename(page)}: scrollWidth {v['sw']} clientWidth {v['cw']} {'SIDEWAYS ' + str(v['wide']) if v['sw'] > v['cw'] else 'ok'}")
            wide += v["sw"] > v["cw"]
    finally:
        proc.kill()
    return wide

if __name__ == "__main__":
    sys.exit(1 if asyncio.run(main(sorted(glob.glob(sys.argv[2])), int(sys.argv[1]))) else 0)
