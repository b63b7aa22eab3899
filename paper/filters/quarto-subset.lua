--[[
quarto-subset.lua: the part of Quarto that this manuscript uses, for pandoc -> Typst.

Used only when Quarto's CLI is absent (see src/clusteremu/paper/manuscript.py). It handles:
  {{< include FILE >}}   a paragraph of its own: replaced by FILE parsed as Markdown
  {{< var KEY >}}        text from _variables.yml (dotted keys walk nested maps)
  @fig-x @tbl-x @sec-x @eq-x   cross-references, emitted as Typst references
  $$ ... $$ {#eq-x}      a labelled, numbered display equation
Figure sizing ({width=70%}) and table captions ({#tbl-x}) are native pandoc; table columns
take their natural widths (Typst's automatic columns); "km/s" is never broken after its slash.
Anything else written as a shortcode, and any variable missing from _variables.yml, is a
build error: the manuscript never shows a blank or a raw shortcode.
]]

local CROSSREF = { fig = true, tbl = true, sec = true, eq = true }
local vars

local function fail(msg)
  error("quarto-subset.lua: " .. msg, 0)
end

local function load_vars()
  local fh = io.open("_variables.yml", "r")
  if not fh then
    fail("_variables.yml not found next to the manuscript")
  end
  local text = fh:read("a")
  fh:close()
  -- pandoc parses YAML only as a metadata block, so wrap the file in one.
  return pandoc.read("---\n" .. text .. "\n---\n", "markdown").meta
end

local function lookup(key)
  vars = vars or load_vars()
  local node = vars
  for part in key:gmatch("[^.]+") do
    if type(node) ~= "table" or node[part] == nil then
      fail("variable '" .. key .. "' is used by the manuscript but missing from _variables.yml")
    end
    node = node[part]
  end
  -- Values were read as Markdown metadata: keep their math, emphasis and cross-references.
  local kind = pandoc.utils.type(node)
  if kind == "Inlines" then
    return node
  elseif kind == "Blocks" then
    return pandoc.utils.blocks_to_inlines(node)
  end
  return pandoc.Inlines({ pandoc.Str(pandoc.utils.stringify(node)) })
end

-- A shortcode arrives as Str "{{<", Space, Str NAME, Space, Str ARG, Space, Str ">}}",
-- where the first and last Str may carry neighbouring punctuation, e.g. "({{<" and ">}})."
local function match_shortcode(inlines, i)
  local open = inlines[i]
  if open.t ~= "Str" then
    return nil
  end
  local before = open.text:match("^(.-){{<$")
  if not before then
    return nil
  end
  local name, arg, close = inlines[i + 2], inlines[i + 4], inlines[i + 6]
  if not (name and arg and close and name.t == "Str" and arg.t == "Str" and close.t == "Str") then
    fail("malformed shortcode near '" .. open.text .. "'")
  end
  local after = close.text:match("^>}}(.*)$")
  if not after then
    fail("malformed shortcode '{{< " .. name.text .. " " .. arg.text .. " " .. close.text .. "'")
  end
  return before, name.text, arg.text, after
end

local function include_file(path)
  local fh = io.open(path, "r")
  if not fh then
    fail("included file '" .. path .. "' not found")
  end
  local text = fh:read("a")
  fh:close()
  return pandoc.read(text, "markdown").blocks
end

-- Pass 1: includes, so that variables inside included files are resolved too.
local includes = {
  Para = function(para)
    local c = para.content
    if #c == 7 then
      local before, name, arg, after = match_shortcode(c, 1)
      if name == "include" and before == "" and after == "" then
        return include_file(arg)
      end
    end
  end,
}

local function resolve_vars(inlines)
  local out = pandoc.List()
  local i = 1
  while i <= #inlines do
    local before, name, arg, after = match_shortcode(inlines, i)
    if name == "var" then
      if before ~= "" then
        out:insert(pandoc.Str(before))
      end
      out:extend(lookup(arg))
      if after:find("{{<", 1, true) then
        -- another shortcode right behind this one ("{{< var a >}}{{< var b >}}"): its opening
        -- shares this one's closing Str, so go on from there (emitted as text, it was printed raw)
        inlines[i + 6] = pandoc.Str(after)
        i = i + 6
      else
        if after ~= "" then
          out:insert(pandoc.Str(after))
        end
        i = i + 7
      end
    elseif name then
      fail("unsupported shortcode '" .. name .. "' (only var, and include as a paragraph)")
    else
      local el = inlines[i]
      local text = (el.t == "Str" or el.t == "Math" or el.t == "Code") and el.text or ""
      if text:find("{{<", 1, true) then
        fail("shortcode in unsupported position (math, code or malformed): '" .. text .. "'")
      end
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

-- Pass 2: variables (pandoc applies Inlines filters to the title block's metadata too).
local variables = { Inlines = resolve_vars }

local function crossref_kind(id)
  local kind = id:match("^(%a+)%-")
  return kind and CROSSREF[kind] and kind
end

-- Pass 3: cross-references and labelled equations.
local crossrefs = {
  Cite = function(cite)
    local refs = {}
    for _, c in ipairs(cite.citations) do
      if not crossref_kind(c.id) then
        if #refs > 0 then
          fail("citation '@" .. c.id .. "' mixed with cross-references in one bracket")
        end
        return nil
      end
      table.insert(refs, "#ref(<" .. c.id .. ">)")
    end
    return pandoc.RawInline("typst", table.concat(refs, ", "))
  end,
  Inlines = function(inlines)
    local out = pandoc.List()
    local i = 1
    while i <= #inlines do
      local el, sp, lab = inlines[i], inlines[i + 1], inlines[i + 2]
      local id = lab and lab.t == "Str" and lab.text:match("^{#(eq%-[%w_%-]+)}$")
      if el.t == "Math" and el.mathtype == "DisplayMath" and sp and sp.t == "Space" and id then
        out:insert(el)
        out:insert(pandoc.RawInline("typst", " <" .. id .. ">"))
        i = i + 3
      else
        out:insert(el)
        i = i + 1
      end
    end
    return out
  end,
}

-- Pass 4: table columns sized by their content. A pipe table wider than pandoc's line gets
-- relative widths from its separator's dashes, equal here, so a column of names wraps a word
-- per line beside a column of short numbers; Typst's automatic columns give each column its
-- natural width and shrink only the widest when the table does not fit.
local columns = {
  Table = function(tbl)
    for i, spec in ipairs(tbl.colspecs) do
      tbl.colspecs[i] = { spec[1], pandoc.ColWidthDefault }
    end
    return tbl
  end,
}

-- Pass 5: a unit stays on one line, and with its number. Typst may break a line after a slash,
-- which left "km/" at a line's end and "s" on the next; a word joiner (U+2060) after the slash
-- forbids that. A number and the unit after it are joined by a no-break space ("4.2 s", "2 T",
-- "4.7405 km/s" had their units alone at the start of a line).
local UNITS = { "km/\u{2060}s", "km/s", "s", "AU", "yr", "T", "\u{00B5}s", "pc", "Myr", "kyr", "min" }

local function starts_with_unit(text)
  for _, unit in ipairs(UNITS) do
    if text:sub(1, #unit) == unit and not text:sub(#unit + 1):match("^%w") then
      return true
    end
  end
  return false
end

local units = {
  Str = function(el)
    if el.text:find("km/s", 1, true) then
      el.text = (el.text:gsub("km/s", "km/\u{2060}s"))
      return el
    end
  end,
  Inlines = function(inlines)
    for i = 1, #inlines - 2 do
      local number, gap, unit = inlines[i], inlines[i + 1], inlines[i + 2]
      -- the gap is a space or a line break of the source ("{{< var x >}}" at a line's end)
      if number.t == "Str" and number.text:match("%d$") and (gap.t == "Space" or gap.t == "SoftBreak")
          and unit.t == "Str" and starts_with_unit(unit.text) then
        inlines[i + 1] = pandoc.Str("\u{00A0}")
      end
    end
    return inlines
  end,
}

return { includes, variables, crossrefs, columns, units }
