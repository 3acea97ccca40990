-- handout.lua - pandoc filter for the lab handout.
-- A "|" inside code in a table must be written "\|" in Markdown; pandoc
-- 2.17 keeps the backslash inside code, GitHub does not.  Drop it.
function Code(el)
  el.text = el.text:gsub("\\|", "|")
  return el
end

-- Tables of four columns or more become cards on a narrow screen (see
-- handout.css): each cell is labelled with its column's header, so that a
-- row reads top to bottom instead of in columns a few letters wide.  Only
-- attributes are added; the tables' content is untouched.
function Table(tbl)
  local labels = {}
  local head_rows = tbl.head.rows or tbl.head[2] or {}
  if #head_rows == 0 then return nil end
  for i, cell in ipairs(head_rows[1].cells) do
    labels[i] = pandoc.utils.stringify(cell.contents)
  end
  if #labels < 4 then return nil end
  tbl.attr.classes:insert("cards")
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      for i, cell in ipairs(row.cells) do
        if labels[i] and labels[i] ~= "" then
          cell.attr.attributes["data-label"] = labels[i]
        end
      end
    end
  end
  return tbl
end
