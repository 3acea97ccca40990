-- handout.lua - pandoc filter for the lab handout.
-- A "|" inside code in a table must be written "\|" in Markdown; pandoc
-- 2.17 keeps the backslash inside code, GitHub does not.  Drop it.
function Code(el)
  el.text = el.text:gsub("\\|", "|")
  return el
end
