"""Measurements on a rendered page. Each returns a list of readable problems (empty = fine).

They read what the browser computed (sizes, colours, boxes), never the stylesheet, so
they hold for any page that extends the base layout.
"""

from __future__ import annotations

import json
from importlib.resources import files

# Everything a person can press or type into (a player's own buttons are inside its element).
INTERACTIVE = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], "
    "video[controls], audio[controls], [tabindex]:not([tabindex='-1'])"
)
# Links inside running text keep the line's height (WCAG 2.5.8's inline exception).
RUNNING_TEXT = ".prose"

_HELPERS = r"""
const INTERACTIVE = %(interactive)s;
const RUNNING_TEXT = %(running_text)s;
function visible(el) {
  if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
  const r = el.getBoundingClientRect();
  return r.width >= 2 && r.height >= 2 && r.right > 0 && r.bottom > -window.scrollY;
}
function describe(el) {
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map(c => '.' + c).join('');
  const text = String(el.innerText || el.value || el.getAttribute('aria-label') || '')
    .trim().replace(/\s+/g, ' ').slice(0, 30);
  return text ? `${name} "${text}"` : name;
}
function textElements(root) {
  const found = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el) continue;
    // Charts are images (svg role=img) with a text alternative and their data in a table.
    if (el.closest('script, style, noscript, option, optgroup, .visually-hidden, svg')) continue;
    // A player's fallback text shows only in a browser that cannot play the file.
    if (el.closest('video, audio')) continue;
    if (visible(el)) found.add(el);
  }
  return [...found];
}
function targetBox(el) {
  let r = el.getBoundingClientRect();
  if (el.matches('input[type=checkbox], input[type=radio]')) {
    // The label is part of the target: pressing it ticks the box.
    for (const label of el.labels) {
      const l = label.getBoundingClientRect();
      const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
      r = {left, top, width: Math.max(r.right, l.right) - left,
           height: Math.max(r.bottom, l.bottom) - top};
    }
  }
  return r;
}
"""


def _script(body: str) -> str:
    helpers = _HELPERS % {
        "interactive": json.dumps(INTERACTIVE),
        "running_text": json.dumps(RUNNING_TEXT),
    }
    return "(arg) => {" + helpers + body + "}"


def small_text(page, min_px: float) -> list[str]:
    """Text (and typed text in fields) smaller than ``min_px`` CSS pixels."""
    return page.evaluate(
        _script("""
        const typed = 'input:not([type=hidden], [type=checkbox], [type=radio]), select, textarea';
        const fields = [...document.querySelectorAll(typed)]
          .filter(visible);
        return [...textElements(document.body), ...fields]
          .map(el => [el, parseFloat(getComputedStyle(el).fontSize)])
          .filter(([el, size]) => size < arg - 0.01)
          .map(([el, size]) => `${describe(el)}: ${size}px`);
        """),
        min_px,
    )


def tight_lines(page, min_ratio: float) -> list[str]:
    """Running text whose line height is below ``min_ratio`` times its font size."""
    return page.evaluate(
        _script("""
        return textElements(document.body)
          .filter(el => el.closest('p, li, dd, dt, td, th, caption, label, blockquote, figcaption'))
          .filter(el => !el.closest(INTERACTIVE))
          .map(el => {
            const s = getComputedStyle(el);
            const ratio = s.lineHeight === 'normal' ? 1.2
              : parseFloat(s.lineHeight) / parseFloat(s.fontSize);
            return [el, ratio];
          })
          .filter(([el, ratio]) => ratio < arg - 0.005)
          .map(([el, ratio]) => `${describe(el)}: line height ${ratio.toFixed(2)}`);
        """),
        min_ratio,
    )


def close_paragraphs(page, min_ratio: float) -> list[str]:
    """Consecutive paragraphs closer than ``min_ratio`` times the line height."""
    return page.evaluate(
        _script("""
        const problems = [];
        for (const p of document.querySelectorAll('p')) {
          const next = p.nextElementSibling;
          if (!next || next.tagName !== 'P' || p.closest('.field') || !visible(p) || !visible(next))
            continue;
          const gap = next.getBoundingClientRect().top - p.getBoundingClientRect().bottom;
          const line = parseFloat(getComputedStyle(p).lineHeight);
          if (gap < arg * line - 0.5)
            problems.push(`${describe(p)}: ${gap.toFixed(1)}px to the next paragraph, ` +
                          `line height ${line.toFixed(1)}px`);
        }
        return problems;
        """),
        min_ratio,
    )


def small_targets(page, min_px: float) -> list[str]:
    """Controls smaller than ``min_px`` × ``min_px`` (links in running text excepted)."""
    return page.evaluate(
        _script("""
        return [...document.querySelectorAll(INTERACTIVE)]
          .filter(el => visible(el) && !el.matches(RUNNING_TEXT + ' a'))
          .map(el => [el, targetBox(el)])
          .filter(([el, r]) => r.width < arg - 0.5 || r.height < arg - 0.5)
          .map(([el, r]) => `${describe(el)}: ${r.width.toFixed(0)}×${r.height.toFixed(0)}px`);
        """),
        min_px,
    )


def low_contrast(page, min_ratio: float) -> list[str]:
    """Text whose colour has less than ``min_ratio`` contrast with what is behind it."""
    return page.evaluate(
        _script("""
        function rgba(css) {
          const m = css.match(/rgba?\\(([^)]+)\\)/);
          if (!m) throw new Error('unexpected colour ' + css);
          const [r, g, b, a] = m[1].split(/[ ,\\/]+/).map(Number);
          return [r, g, b, a === undefined ? 1 : a];
        }
        function over(top, bottom) {
          const a = top[3];
          return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
        }
        function backdrop(el) {
          const layers = [];
          for (let e = el; e; e = e.parentElement) {
            const c = rgba(getComputedStyle(e).backgroundColor);
            if (c[3] > 0) layers.push(c);
            if (c[3] >= 1) break;
          }
          return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
        }
        function luminance([r, g, b]) {
          const lin = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
          return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        }
        return textElements(document.body).map(el => {
          const bg = backdrop(el);
          const fg = over(rgba(getComputedStyle(el).color), bg);
          const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
          return [el, (hi + 0.05) / (lo + 0.05)];
        })
          .filter(([el, ratio]) => ratio < arg)
          .map(([el, ratio]) => `${describe(el)}: ${ratio.toFixed(2)}:1`);
        """),
        min_ratio,
    )


def side_by_side_blocks(page) -> list[str]:
    """Blocks of the main content laid out next to each other (more than one column)."""
    return page.evaluate(
        _script("""
        const blocky = ['block', 'flex', 'grid', 'list-item', 'table', 'flow-root'];
        const blocks = [...document.querySelectorAll('main *')].filter(el =>
          visible(el) && !el.matches(INTERACTIVE) && !el.closest('.inline-form, svg *') &&
          blocky.includes(getComputedStyle(el).display));
        const problems = [];
        for (const a of blocks) for (const b of blocks) {
          if (a === b || a.parentElement !== b.parentElement || a.compareDocumentPosition(b) !== 4)
            continue;
          const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
          const apart = ra.right <= rb.left + 1 || rb.right <= ra.left + 1;
          const level = ra.top < rb.bottom - 1 && rb.top < ra.bottom - 1;
          if (apart && level) problems.push(`${describe(a)} | ${describe(b)}`);
        }
        return problems;
        """),
        None,
    )


def overflow(page) -> list[str]:
    """Sideways scrolling, content sticking out of the window, or text cut off."""
    return page.evaluate(
        _script("""
        const doc = document.documentElement;
        const problems = [];
        if (doc.scrollWidth > doc.clientWidth)
          problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
        for (const el of document.body.querySelectorAll('*')) {
          if (!visible(el) || el.closest('.visually-hidden')) continue;
          const r = el.getBoundingClientRect();
          if (r.right > doc.clientWidth + 1)
            problems.push(`${describe(el)} reaches ${r.right.toFixed(0)}px`);
          const s = getComputedStyle(el);
          const clips = s.overflowX !== 'visible' || s.overflowY !== 'visible';
          if (clips && !el.matches('input, select, textarea') &&
              (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
            problems.push(`${describe(el)} cuts off its content`);
        }
        return problems;
        """),
        None,
    )


def heading_problems(page) -> list[str]:
    """One h1 first, and no heading level skipped on the way down."""
    return page.evaluate(
        _script("""
        const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
          .map(h => [h, Number(h.tagName[1])]);
        const problems = [];
        if (levels.length === 0 || levels[0][1] !== 1) problems.push('the first heading is not h1');
        if (levels.filter(([h, n]) => n === 1).length !== 1) problems.push('not exactly one h1');
        levels.forEach(([h, n], i) => {
          if (i > 0 && n > levels[i - 1][1] + 1)
            problems.push(`${describe(h)}: h${n} after h${levels[i - 1][1]}`);
        });
        return problems;
        """),
        None,
    )


def restless_content(page) -> list[str]:
    """Anything that floats over the page, moves, plays by itself or pops up."""
    return page.evaluate(
        _script("""
        const problems = [];
        for (const el of document.body.querySelectorAll('*')) {
          const position = getComputedStyle(el).position;
          if ((position === 'fixed' || position === 'sticky') && visible(el))
            problems.push(`${describe(el)} floats (position: ${position})`);
        }
        const moving = 'video[autoplay], audio[autoplay], marquee, ' +
          '[aria-roledescription~="carousel" i], dialog[open], [role=dialog], [role=alertdialog]';
        for (const el of document.querySelectorAll(moving)) problems.push(`${describe(el)}`);
        for (const animation of document.getAnimations())
          problems.push(`an animation runs on ${describe(animation.effect.target)}`);
        return problems;
        """),
        None,
    )


def broken_media(page) -> list[str]:
    """Players whose file the browser could not load or play."""
    return page.evaluate(
        """() => [...document.querySelectorAll('video, audio')]
             .filter(player => player.error)
             .map(player => `${player.tagName.toLowerCase()} ${player.currentSrc}: ` +
                            `error ${player.error.code}`)"""
    )


def number_controls(page) -> dict[str, str]:
    """Number every visible control (data-control); return number → description.

    The radio buttons of one group share a number: Tab reaches the group once (its
    checked or first button) and the arrow keys move within it, as browsers do.
    """
    return page.evaluate(
        _script("""
        const controls = [...document.querySelectorAll(INTERACTIVE)]
          .filter(el => visible(el) && !el.disabled);
        const groups = new Map(), numbered = {};
        controls.forEach((el, i) => {
          let n = String(i);
          if (el.matches('input[type=radio][name]')) {
            const key = [...document.forms].indexOf(el.form) + ' ' + el.name;
            if (groups.has(key)) n = groups.get(key); else groups.set(key, n);
          }
          el.dataset.control = n;
          if (!(n in numbered)) numbered[n] = describe(el);
        });
        return numbered;
        """),
        None,
    )


def focus_state(page) -> dict:
    """The focused element: its number, whether its focus shows, its box."""
    return page.evaluate(
        _script("""
        const el = document.activeElement;
        if (!el || el === document.body) return {control: null, element: 'nothing'};
        const s = getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
        const ring = s.boxShadow !== 'none';
        const r = targetBox(el);
        // Scroll positions are whole pixels and boxes are not: allow the rounding (< 1px).
        const inView = r.top > -1 && r.left > -1 &&
          r.top + Math.min(r.height, 10) <= innerHeight &&
          r.left + Math.min(r.width, 10) <= innerWidth;
        return {control: el.dataset.control ?? null, element: describe(el), shown: outline || ring,
                inline: el.matches(RUNNING_TEXT + ' a'), width: r.width, height: r.height, inView};
        """),
        None,
    )


def add_style(page, css: str) -> None:
    """Add a user style sheet, as a reader's browser setting or extension would.

    A constructed style sheet, so the site's Content-Security-Policy (no inline
    styles) stays on and is not what the test changes.
    """
    page.evaluate(
        """css => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);
                    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }""",
        css,
    )


def remove_styles(page) -> None:
    """Take away the style sheets add_style added."""
    page.evaluate("document.adoptedStyleSheets = []")


# WCAG 1.4.12: these text spacings must lose nothing.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""
# A reader who sets the browser's text size to 200% (everything here is in rem/em).
TEXT_200_PERCENT = "html { font-size: 200% !important; }"


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Beyond every serious and critical problem, these moderate ones back requirements of
# the issue (landmarks, headings in order), so they fail the test too.
AXE_ALSO_FAILING = {
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "region",
    "empty-heading",
    # Every role on an element that may take it (a form may not be role=group: issue 15).
    "aria-allowed-role",
}


def _axe_source() -> str:
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def axe_problems(page) -> list[str]:
    """axe-core's serious and critical findings (and those above), one readable block each."""
    page.evaluate(_axe_source())  # evaluated by the test driver, so the site's CSP stays on
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    problems = []
    for rule in results["violations"]:
        if rule["impact"] not in ("serious", "critical") and rule["id"] not in AXE_ALSO_FAILING:
            continue
        lines = [f"[{rule['impact']}] {rule['id']}: {rule['help']} ({rule['helpUrl']})"]
        for node in rule["nodes"][:8]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary}")
        problems.append("\n".join(lines))
    return problems


def report(title: str, problems: list[str]) -> str:
    """An assertion message listing every problem on its own line."""
    return f"{title}:\n  " + "\n  ".join(problems)
