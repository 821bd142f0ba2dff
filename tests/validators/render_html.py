"""Renders an HTML report in headless Chromium (Debian's `chromium`) as a person would open it,
and says what the browser saw, as JSON on stdout:

    render_html.py PAGE.html SCREENSHOT.png

    {"requests":   [urls the page asked for],
     "console":    [console messages, CSP violations included],
     "screenshot": {"width", "height", "ink": share of pixels not the background colour,
                    "colours": distinct colours},
     "print":      {"pages", "page_sizes": the distinct [width, height] of its pages, in points},
     "checks":     [{"check", "control", "ou", "metric", "at", "text"} for each element with a
                    data-check attribute: its text as rendered in the DOM]}

Requests come from Chromium's net log: those whose network isolation key is the page's own
(file://); Chromium's own background requests are not the page's. Console messages come from
Chromium's log on stderr. Exits 2 when Chromium cannot run.
"""

import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--window-size=1100,2400",
]


def chromium():
    found = os.environ.get("MFA_AUDITOR_CHROMIUM") or shutil.which("chromium")
    if not found:
        print("chromium not found (apt-get install chromium)", file=sys.stderr)
        sys.exit(2)
    return found


def run(args, timeout=120):
    done = subprocess.run([chromium(), *CHROMIUM_FLAGS, *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        print(f"chromium exited {done.returncode}: {done.stderr[-2000:]}", file=sys.stderr)
        sys.exit(2)
    return done


def page_requests(net_log_path):
    with open(net_log_path) as handle:
        log = json.load(handle)
    names = {value: name for name, value in log["constants"]["logEventTypes"].items()}
    urls = set()
    for event in log["events"]:
        params = event.get("params") or {}
        if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params:
            if params.get("network_isolation_key", "").startswith("file://"):
                urls.add(params["url"])
    return sorted(urls)


def console_messages(stderr):
    return [line.split("] ", 1)[-1] for line in stderr.splitlines() if ":CONSOLE" in line]


class Checks(html.parser.HTMLParser):
    """The text of every element with a data-check attribute."""

    def __init__(self):
        super().__init__()
        self.open = []  # [tag, attrs or None, text parts]
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "br", "link", "input", "img", "hr"):
            return
        attrs = dict(attrs)
        self.open.append([tag, attrs if "data-check" in attrs else None, []])

    def handle_endtag(self, tag):
        while self.open:
            open_tag, attrs, text = self.open.pop()
            if attrs is not None:
                self.found.append({"check": attrs["data-check"],
                                   "control": attrs.get("data-control"),
                                   "ou": attrs.get("data-ou"),
                                   "metric": attrs.get("data-metric"),
                                   "at": attrs.get("data-at"),
                                   "text": " ".join("".join(text).split())})
            if self.open:
                self.open[-1][2].extend(text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2].append(data)


def png_pixels(path):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path} is not a PNG")
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour_type = header[:4]
    if depth != 8 or colour_type not in (2, 6):
        raise SystemExit(f"{path}: PNG of depth {depth}, colour type {colour_type}: not read")
    step = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * step
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            corner = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, step


def screenshot_summary(path):
    width, height, rows, step = png_pixels(path)
    background = rows[0][:3]
    ink, colours = 0, set()
    for row in rows:
        for x in range(0, len(row), step):
            pixel = row[x:x + 3]
            if pixel != background:
                ink += 1
            colours.add(pixel)
    return {"width": width, "height": height, "ink": ink / (width * height),
            "colours": len(colours)}


def printed(pdf_path):
    """Pages of a PDF Chromium printed, and their distinct sizes (MediaBox, in points)."""
    with open(pdf_path, "rb") as handle:
        pdf = handle.read()
    number = rb"(-?[0-9.]+)"
    boxes = re.findall(rb"/MediaBox\s*\[\s*" + rb"\s+".join([number] * 4) + rb"\s*\]", pdf)
    sizes = sorted({(round(float(x1) - float(x0), 1), round(float(y1) - float(y0), 1))
                    for x0, y0, x1, y1 in boxes})
    return {"pages": len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)),
            "page_sizes": [list(size) for size in sizes]}


def main():
    page, screenshot = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    url = "file://" + page
    with tempfile.TemporaryDirectory() as scratch:
        net_log = os.path.join(scratch, "net.json")
        loaded = run(["--enable-logging=stderr", "--v=0", f"--log-net-log={net_log}",
                      "--dump-dom", url])
        run([f"--screenshot={screenshot}", url])
        pdf = os.path.join(scratch, "print.pdf")
        run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", url])
        checks = Checks()
        checks.feed(loaded.stdout)
        json.dump({"requests": page_requests(net_log),
                   "console": console_messages(loaded.stderr),
                   "screenshot": screenshot_summary(screenshot),
                   "print": printed(pdf),
                   "checks": checks.found}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
