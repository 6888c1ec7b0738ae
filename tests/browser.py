"""Headless Chromium for the report tests: find it, check it starts, open a report with a probe
that records its JavaScript errors and every resource it loaded, and read the rendered DOM.

No driver library: Chromium's own --dump-dom prints the page after --virtual-time-budget has let
its scripts and timers run, and the probe (a copy of the page with one script first in <head>)
writes what it saw into the DOM it dumps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Nothing may reach the network: every host name resolves to nothing, and the probe lists each
# resource the page loaded so a test can see any attempt. --no-sandbox: root in a container has
# no usable sandbox, and the pages are our own.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1400,1000",
    "--hide-scrollbars",
)

TIMEOUT_S = 90

PROBE_ID = "smmsim-probe"

# First in <head>, before plotly.js: uncaught errors (including a script that fails to load,
# caught on the way down), rejected promises and console.error calls, and after the load the URL
# of every resource fetched and the tables too wide for the window, as JSON in a hidden <pre>
# the dump carries.
PROBE = f"""<script>
(function () {{
  var errors = [];
  function show() {{
    var box = document.getElementById("{PROBE_ID}");
    if (!box) {{
      box = document.createElement("pre");
      box.id = "{PROBE_ID}";
      box.hidden = true;
      document.documentElement.appendChild(box);
    }}
    var urls = performance.getEntriesByType("resource").map(function (e) {{ return e.name; }});
    box.textContent = JSON.stringify({{errors: errors, resources: urls, wide: wideTables()}});
  }}
  // Each table that neither fits the window nor scrolls inside a box that does, named by its
  // class and first header; and the page itself when anything makes it wider than the window.
  function wideTables() {{
    var edge = document.documentElement.clientWidth, wide = [];
    document.querySelectorAll("table").forEach(function (t) {{
      var box = t.parentElement, scrolls = false;
      while (box && box !== document.body) {{
        var overflow = getComputedStyle(box).overflowX;
        if (overflow === "auto" || overflow === "scroll") {{ scrolls = true; break; }}
        box = box.parentElement;
      }}
      var right = (scrolls ? box : t).getBoundingClientRect().right;
      if (right > edge + 1) {{
        var th = t.querySelector("th");
        wide.push("table." + (t.className || "(no class)") + " '" +
          (th ? th.textContent.trim().slice(0, 30) : "") + "' reaches " + Math.round(right) +
          " px of " + edge + (scrolls ? " (its scroll box is wider than the window)" : ""));
      }}
    }});
    if (document.documentElement.scrollWidth > edge + 1) {{
      wide.push("the page is " + document.documentElement.scrollWidth + " px wide in a " +
        edge + " px window");
    }}
    return wide;
  }}
  window.addEventListener("error", function (e) {{
    var where = e.target && e.target !== window ? (e.target.src || e.target.href || "") : "";
    errors.push((e.message || "failed to load " + where) + " " + (e.filename || "") + ":" +
      (e.lineno || 0));
  }}, true);
  window.addEventListener("unhandledrejection", function (e) {{
    errors.push("unhandled rejection: " + String(e.reason));
  }});
  var original = console.error;
  console.error = function () {{
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  }};
  window.addEventListener("load", function () {{ setTimeout(show, 1000); }});
}})();
</script>"""


def chromium_path() -> str | None:
    """SMMSIM_CHROMIUM, else the first Chromium or Chrome on PATH."""
    named = os.environ.get("SMMSIM_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Chromium headless with FLAGS, a throwaway profile and `args`."""
    path = chromium_path()
    if path is None:
        raise FileNotFoundError("no Chromium on PATH")
    with tempfile.TemporaryDirectory(prefix="smmsim-chromium-") as profile:
        command = [path, *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)


def browser_available() -> str | None:
    """None when headless Chromium starts and renders a page; otherwise why not."""
    if chromium_path() is None:
        return "no Chromium on PATH (apt-get install chromium, or set SMMSIM_CHROMIUM)"
    try:
        done = chromium("--dump-dom", 'data:text/html,<p id="ready">ready</p>')
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Chromium did not start: {exc}"
    if done.returncode != 0 or 'id="ready"' not in done.stdout:
        return f"Chromium did not render a page (exit {done.returncode}): {done.stderr[-600:]}"
    return None


@dataclass
class Plot:
    """One plotly container as rendered: its SVG layers and the data marks drawn in its traces."""

    svgs: int = 0
    traces: int = 0
    marks: int = 0


@dataclass
class Rendered:
    """A report after its scripts ran: every plot container, the probe's JavaScript errors and
    the resources the page loaded (None where the probe never reported)."""

    plots: list[Plot] = field(default_factory=list)
    errors: list[str] | None = None
    resources: list[str] | None = None
    wide: list[str] | None = None  # tables that neither fit the window nor scroll in a box


def render(page: Path, budget_ms: int = 10_000) -> Rendered:
    """Open `page` (through a probed copy beside it, so relative files resolve as they would for
    the page itself) and parse the DOM Chromium dumps once `budget_ms` of virtual time ran."""
    text = page.read_text(encoding="utf-8")
    probed = page.with_name(f".probe-{page.name}")
    probed.write_text(text.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    try:
        done = chromium(f"--virtual-time-budget={budget_ms}", "--dump-dom", probed.as_uri())
    finally:
        probed.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"Chromium failed on {page} (exit {done.returncode}): {done.stderr}")
    return parse_dom(done.stdout)


def screenshot(page: Path, to: Path, budget_ms: int = 10_000) -> None:
    """A full-window PNG of `page` after its scripts ran, for a person to look at."""
    to.parent.mkdir(parents=True, exist_ok=True)
    chromium(
        f"--virtual-time-budget={budget_ms}",
        "--window-size=1400,4000",
        f"--screenshot={to}",
        page.as_uri(),
    )


def parse_dom(dom: str) -> Rendered:
    parser = DomParser()
    parser.feed(dom)
    parser.close()
    rendered = Rendered(plots=parser.plots)
    if parser.probe is not None:
        seen = json.loads(parser.probe)
        rendered.errors, rendered.resources = seen["errors"], seen["resources"]
        rendered.wide = seen["wide"]
    return rendered


class DomParser(HTMLParser):
    """Counts, inside each `.plotly-graph-div`, its `svg.main-svg` layers, its trace groups and
    the paths those groups drew with real geometry (plotly leaves `M0,0Z` for nothing)."""

    def __init__(self) -> None:
        super().__init__()
        self.plots: list[Plot] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, opens a plot, opens a trace)
        self.probe: str | None = None
        self._in_probe = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = attr.get("class", "").split()
        opens_plot = "plotly-graph-div" in classes
        opens_trace = tag == "g" and "trace" in classes
        if opens_plot:
            self.plots.append(Plot())
        in_plot = any(p for _, p, _ in self.stack) or opens_plot
        in_trace = any(t for _, _, t in self.stack)
        if in_plot and self.plots:
            plot = self.plots[-1]
            plot.svgs += tag == "svg" and "main-svg" in classes
            plot.traces += opens_trace
            d = attr.get("d", "").strip()
            plot.marks += in_trace and tag == "path" and bool(d) and d != "M0,0Z"
        self._in_probe = attr.get("id") == PROBE_ID
        if tag not in VOID and not tag.endswith("/"):
            self.stack.append((tag, opens_plot, opens_trace))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        self._in_probe = False
        # close up to the matching tag: the dump is well formed, but be forgiving of <p> and such
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_probe:
            self.probe = (self.probe or "") + data
