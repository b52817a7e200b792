// Helpers for tests/browser/test_layout.py: the box an element is shown in (the viewport cut
// by every ancestor that clips its overflow), and whether another box covers it.
const clips = (e) => { const s = getComputedStyle(e); return s.overflowX !== "visible" || s.overflowY !== "visible"; };
const clientBox = (e) => { const r = e.getBoundingClientRect();
  return {top: r.top + e.clientTop, left: r.left + e.clientLeft,
          bottom: r.top + e.clientTop + e.clientHeight, right: r.left + e.clientLeft + e.clientWidth}; };
const cut = (a, b) => ({top: Math.max(a.top, b.top), left: Math.max(a.left, b.left),
                        bottom: Math.min(a.bottom, b.bottom), right: Math.min(a.right, b.right)});
const inside = (r, b) => r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5 && r.left >= b.left - 0.5 && r.right <= b.right + 0.5;
const shownBox = (el) => { let box = {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) if (clips(a)) box = cut(box, clientBox(a));
  return box; };
const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
// Not covered by another box: the points just inside its top and bottom edges hit it.
const onTop = (el, r) => { const x = (r.left + r.right) / 2;
  return [r.top + 2, r.bottom - 2].every((y) => { const hit = document.elementFromPoint(x, y); return hit !== null && el.contains(hit); }); };
