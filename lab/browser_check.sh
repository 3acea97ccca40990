#!/usr/bin/env bash
# browser_check.sh - open the rendered handout in headless Chromium
# (`make handout-test`).
#
# At 1280 and at 390 pixels wide, a copy of the page with a small test
# script checks, once loaded: no error and no console.error, every image
# loaded (naturalWidth > 0), every internal link (#id) has its target, and
# nothing makes the page wider than the window (wide tables and code scroll
# in their own box).  Chromium's own console log is searched for errors
# too.  Screenshots of the unmodified page go to build/handout/shot-*.png:
# look at them.  Exits 1 on any problem.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
page=${1:-build/handout/handout.html}   # another page: checked, not photographed
photograph=$([ $# -eq 0 ] && echo yes)
[ -f "$page" ] || { echo "browser_check.sh: no $page: run \`make handout\` first" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "browser_check.sh: chromium is missing: scripts/deps.sh lab" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chrome() { timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$profile" --hide-scrollbars --allow-file-access-from-files --disable-dev-shm-usage "$@"; }
# Headless Chromium will not make a window narrower than 500 px: a phone's
# 390 px is a frame of that width, in a page of its own.
framed() { # framed WIDTH HEIGHT PAGE -> a page holding PAGE in a WIDTH px frame
	local f
	f=$(dirname "$3")/frame-$1-$(basename "$3")
	printf '<!DOCTYPE html><html><head><title>%s px</title></head><body style="margin:0">' "$1" >"$f"
	printf '<iframe src="%s" style="width:%spx;height:%spx;border:0;display:block"></iframe></body></html>\n' \
		"$(basename "$3")" "$1" "$2" >>"$f"
	echo "$f"
}

test_page=$(dirname "$page")/selftest-$(basename "$page")
probe='<script>
(function () {
  var problems = [];
  window.addEventListener("error", function (e) {
    problems.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "?"));
  }, true);
  var ce = console.error;
  console.error = function () { problems.push("console.error: " + [].join.call(arguments, " ")); ce.apply(console, arguments); };
  window.addEventListener("load", function () {
    var imgs = document.images, links = document.querySelectorAll("a[href^=\"#\"]");
    for (var i = 0; i < imgs.length; i++)
      if (!imgs[i].complete || imgs[i].naturalWidth === 0) problems.push("image not loaded: " + imgs[i].alt);
    for (var j = 0; j < links.length; j++) {
      var id = decodeURIComponent(links[j].getAttribute("href").slice(1));
      if (id && !document.getElementById(id)) problems.push("link to a missing target: #" + id);
    }
    var w = document.documentElement.clientWidth, sw = document.documentElement.scrollWidth;
    if (sw > w) problems.push("page wider than the window: " + sw + " > " + w + " px");
    var all = document.body.getElementsByTagName("*");
    for (var k = 0; k < all.length; k++) {
      var r = all[k].getBoundingClientRect(), p = all[k].parentElement;
      var scrolls = false;
      for (; p; p = p.parentElement) { var o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") { scrolls = true; break; } }
      if (!scrolls && r.right > w + 1 && r.width > 0) { problems.push("sticks out: <" + all[k].tagName.toLowerCase() + "> right edge " + Math.round(r.right) + " px"); break; }
    }
    var out = document.createElement("pre");
    out.id = "selftest";
    out.textContent = "SELFTEST width=" + w + " images=" + imgs.length + " links=" + links.length + "\n" +
      problems.map(function (x) { return "PROBLEM " + x; }).join("\n");
    /* In a frame (the narrow test), report to the page that holds it. */
    (window.parent !== window ? window.parent.document.body : document.body).appendChild(out);
  });
})();
</script>'
printf '%s\n' "$probe" >"$profile/probe.html"
sed "/<head>/r $profile/probe.html" "$page" >"$test_page"
grep -q 'id = "selftest"' "$test_page" || { echo "browser_check.sh: no <head> in $page" >&2; exit 2; }

fails=0
for width in 1280 390; do
	target=$test_page
	[ "$width" -ge 500 ] || target=$(framed "$width" 900 "$test_page")
	dom=$(chrome --window-size=$((width < 500 ? 500 : width)),900 --virtual-time-budget=10000 \
		--enable-logging=stderr --v=0 --dump-dom "file://$PWD/$target" 2>build/handout/console-$width.log)
	# The verdict is the text of <pre id="selftest">, which exists only if
	# the script ran to its end.
	result=$(printf '%s\n' "$dom" | awk '/<pre id="selftest">/ { on = 1; sub(/.*<pre id="selftest">/, "") }
		on { if (sub(/<\/pre>.*/, "")) { print; exit } print }')
	if [ -z "$result" ]; then
		echo "FAIL  $width px: the page's test never ran (see build/handout/console-$width.log)"
		fails=$((fails + 1)); continue
	fi
	echo "$result" | sed -n 's/^SELFTEST /      /p'
	if echo "$result" | grep -q '^PROBLEM'; then
		echo "$result" | grep '^PROBLEM' | sed "s/^PROBLEM/FAIL  $width px:/"
		fails=$((fails + 1))
	else
		echo "ok    $width px: no errors, every image loaded, every internal link resolves, nothing overflows"
	fi
	if grep -E ':CONSOLE|Uncaught' build/handout/console-$width.log | grep -q .; then
		echo "FAIL  $width px: console messages in build/handout/console-$width.log:"
		grep -E ':CONSOLE|Uncaught' build/handout/console-$width.log | head -n 5 | sed 's/^/      /'
		fails=$((fails + 1))
	fi
done

# Screenshots of the page itself: its top, and the measurement section.
[ -n "$photograph" ] ||
	{ [ $fails -eq 0 ] && echo "browser check: passed" || echo "browser check: $fails problem(s)"; exit $((fails > 0)); }
for shot in "1280 1600 top" "390 1400 top" "1280 1600 measure" "390 1400 measure" "1280 1000 unix-stream" "390 1400 compare"; do
	set -- $shot
	# Always in a frame: a headless screenshot of a page scrolled to an
	# anchor comes out blank, a frame scrolled to it does not.
	target=$(framed "$1" "$2" "$page")
	[ "$3" = top ] || sed -i "s|src=\"$(basename "$page")\"|src=\"$(basename "$page")#$3\"|" "$target"
	url="file://$PWD/$target"
	chrome --window-size=$(($1 < 500 ? 500 : $1)),$2 --virtual-time-budget=5000 --screenshot="build/handout/shot-$1-$3.png" \
		"$url" >/dev/null 2>&1 || { echo "FAIL  screenshot $1 px $3"; fails=$((fails + 1)); continue; }
	echo "ok    screenshot build/handout/shot-$1-$3.png"
done
[ $fails -eq 0 ] || { echo "browser check: $fails problem(s)"; exit 1; }
echo "browser check: passed"
