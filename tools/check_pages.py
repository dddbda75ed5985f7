"""Check, in headless Chromium, what a reader of the built book sees on every page.

    .venv/bin/python tools/check_pages.py                       (both editions, 1280 px)
    .venv/bin/python tools/check_pages.py --width 390 "_build/html/zh_CN/notebooks/*.html"
    .venv/bin/python tools/check_pages.py --screenshots shots/ --at exercises "_build/html/notebooks/07*.html"

Each page is opened in a real browser (through Chromium's DevTools protocol), its
scripts and MathJax are given time to run, and the rendered page is read:

- **solutions**: every exercise solution (a cell tagged `solution`) sits in a closed `<details>` whose
  label names it a solution, with its code *and* its output inside;
- **raw markup**: no visible text outside code shows Markdown or LaTeX that failed to render (`**bold**`,
  `$\\alpha$`, `\\frac`, a pipe-table row, a fence, a MyST role such as `{cite:p}`);
- **figures**: every image in the page's content has alt text that describes it (not empty, not a file
  name or hash), and every image of a chapter's output is a numbered figure with a caption;
- **layout**: the page does not scroll sideways at the given width (if it does, the elements that
  overflow without a scroll box of their own are named).

With ``--screenshots DIR`` each page's screen is also saved as a PNG (``--at ID``: the screen that starts
at that element), to look at what the checks passed.

Needs a `chromium` on PATH (not a dependency of the course). Prints one line per page and a summary;
exit code 1 if any page fails a check.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tornado.websocket import websocket_connect

DEFAULT_PAGES = ["_build/html/notebooks/*.html", "_build/html/book/*.html",
                 "_build/html/zh_CN/notebooks/*.html", "_build/html/zh_CN/book/*.html"]

# Runs in the page; returns the findings as JSON.
PROBE = r"""
(() => {
  const main = document.querySelector("main") || document.body;
  const problems = [];
  // solutions
  const sols = [...main.querySelectorAll("div.cell.tag_solution")];
  let closed = 0;
  for (const [i, cell] of sols.entries()) {
    const det = cell.querySelector("details");
    const label = det ? (det.querySelector("summary .collapsed") || det.querySelector("summary")).innerText.trim() : "";
    const outside = [...cell.querySelectorAll(".cell_output, .cell_input")].filter(e => !e.closest("details"));
    if (!det) { problems.push(`solution ${i + 1}: not collapsible`); continue; }
    if (det.open) problems.push(`solution ${i + 1}: open`);
    if (!/solution|参考答案/i.test(label)) problems.push(`solution ${i + 1}: label ${JSON.stringify(label)}`);
    if (outside.length) problems.push(`solution ${i + 1}: ${outside.length} part(s) outside the collapsed box`);
    if (!det.open) closed += 1;
  }
  // raw markup in visible text outside code and math
  const skip = "pre, code, script, style, .math, mjx-container, .MathJax, textarea, .highlight, kbd, samp";
  const raw = [
    [/\*\*[^*\s][^*]*\*\*/, "**bold**"],
    [/(^|[^\w$])\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$/, "$latex$"],
    [/\\(frac|varepsilon|alpha|beta|sum|sqrt|mathrm|text|le|ge|times|cdot)\b/, "LaTeX command"],
    [/^\s*\|.*\|.*\|\s*$/m, "pipe table row"],
    [/\|\s*:?-{3,}/, "pipe table rule"],
    [/```|:::/, "fence"],
    [/\{(cite|ref|doc|numref|term|eq|math)(:[a-z]+)?\}`/, "MyST role"],
    [/\]\((https?:|\.\.?\/|#)[^)]*\)/, "Markdown link"],
  ];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const text = n.textContent;
    for (const [re, what] of raw) {
      if (re.test(text) && !seen.has(what + text)) {
        seen.add(what + text);
        problems.push(`raw ${what}: ${JSON.stringify(text.trim().slice(0, 80))}`);
      }
    }
  }
  // figures
  const imgs = [...main.querySelectorAll("img")];
  let captioned = 0, outputs = 0;
  for (const img of imgs) {
    const src = (img.getAttribute("src") || "").split("/").pop();
    const alt = (img.getAttribute("alt") || "").trim();
    if (!alt || alt === src || /^[0-9a-f]{16,}/i.test(alt) || /\.(png|svg|jpe?g)$/i.test(alt))
      problems.push(`image ${src.slice(0, 24)}: alt text ${JSON.stringify(alt.slice(0, 40))}`);
    if (img.closest(".cell_output")) {
      outputs += 1;
      const fig = img.closest("figure");
      const cap = fig && fig.querySelector("figcaption .caption-text");
      const num = fig && fig.querySelector("figcaption .caption-number");
      if (cap && cap.innerText.trim() && num) captioned += 1;
      else problems.push(`image ${src.slice(0, 24)}: output without a numbered caption`);
    }
  }
  return JSON.stringify({
    sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
    solutions: sols.length, closed, images: imgs.length, outputs, captioned,
    mathjax: main.querySelectorAll("mjx-container").length, problems,
    wide: [...main.querySelectorAll("*")].filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
           && getComputedStyle(e).overflowX === "visible").slice(-6)
           .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth} px`),
  });
})()
"""


def start_chromium(width: int) -> tuple[subprocess.Popen, str, str]:
    """A headless Chromium with its DevTools port open: (process, profile folder, a page's websocket URL)."""
    profile = tempfile.mkdtemp(prefix="check-pages-")
    proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=9334",
                             f"--user-data-dir={profile}", f"--window-size={width},1000", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            tabs = json.load(urllib.request.urlopen("http://127.0.0.1:9334/json"))
            return proc, profile, next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"]
        except OSError:
            time.sleep(0.2)
    proc.kill()
    shutil.rmtree(profile, ignore_errors=True)
    raise SystemExit("check_pages: chromium did not start (is `chromium` on PATH?)")


async def check(pages: list[str], width: int, wait: float, shots: str | None = None, at: str | None = None) -> int:
    proc, profile, ws_url = start_chromium(width)
    failed = 0
    totals = {"solutions": 0, "closed": 0, "outputs": 0, "captioned": 0, "images": 0, "mathjax": 0}
    try:
        ws = await websocket_connect(ws_url, max_message_size=100_000_000)
        n = 0

        async def call(method, **params):
            nonlocal n
            n += 1
            await ws.write_message(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                msg = json.loads(await ws.read_message())
                if msg.get("id") == n:
                    return msg

        await call("Emulation.setDeviceMetricsOverride", width=width, height=1000, deviceScaleFactor=1,
                   mobile=width < 500)
        for page in pages:
            await call("Page.navigate", url="file://" + os.path.abspath(page))
            await asyncio.sleep(wait)
            r = await call("Runtime.evaluate", expression=PROBE, returnByValue=True)
            v = json.loads(r["result"]["result"]["value"])
            problems = list(v["problems"])
            if v["sw"] > v["cw"]:
                problems.append(f"scrolls sideways ({v['sw']} > {v['cw']} px): {'; '.join(v['wide']) or 'no element found'}")
            for key in totals:
                totals[key] += v[key]
            name = os.path.relpath(page, "_build/html") if page.startswith("_build/html") else page
            status = "ok" if not problems else f"{len(problems)} problem(s)"
            print(f"{name}: {v['solutions']} solutions ({v['closed']} collapsed), {v['outputs']} output figures "
                  f"({v['captioned']} captioned), {v['images']} images, {v['mathjax']} formulas: {status}")
            for p in problems[:12]:
                print(f"    {p}")
            failed += bool(problems)
            if shots:
                # what a reader sees: the first screen, or the screen that starts at element `at`
                if at:
                    await call("Runtime.evaluate", expression=f"document.getElementById({json.dumps(at)})?.scrollIntoView()")
                    await asyncio.sleep(0.3)
                shot = await call("Page.captureScreenshot", format="png")
                target = os.path.join(shots, name.replace(os.sep, "_").removesuffix(".html") + f"-{width}.png")
                await asyncio.to_thread(Path(target).write_bytes, base64.b64decode(shot["result"]["data"]))
    finally:
        proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"{len(pages)} pages at {width} px: {totals['solutions']} solutions ({totals['closed']} collapsed), "
          f"{totals['outputs']} output figures ({totals['captioned']} captioned), {totals['images']} images, "
          f"{totals['mathjax']} formulas rendered; {failed} page(s) with problems")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="HTML files or globs (default: both editions' pages)")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels (default 1280)")
    parser.add_argument("--wait", type=float, default=2.5, help="seconds for scripts and MathJax (default 2.5)")
    parser.add_argument("--screenshots", metavar="DIR", help="also save a PNG of each page's screen in DIR")
    parser.add_argument("--at", metavar="ID", help="with --screenshots: scroll to the element with this id first")
    args = parser.parse_args(argv)
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
    pages = sorted({p for pattern in (args.patterns or DEFAULT_PAGES) for p in glob.glob(pattern)})
    if not pages:
        raise SystemExit(f"check_pages: no page matches {args.patterns or DEFAULT_PAGES}; run `make book` first")
    return 1 if asyncio.run(check(pages, args.width, args.wait, args.screenshots, args.at)) else 0


if __name__ == "__main__":
    sys.exit(main())
