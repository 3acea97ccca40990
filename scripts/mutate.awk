# mutate.awk - list the mutants of C files, one a line (see scripts/mutate.sh).
#
# A mutant is one mechanical change at one place:
#   cmp      a comparison flipped at its boundary or negated: < <=, > >=, == !=
#   logic    && and || swapped
#   arith    a binary + and - swapped
#   const    an integer constant changed: 0 -> 1, 1 -> 0, n -> n+1
#   bool     true and false swapped
#   drop     a statement that is a whole line (a call, an assignment, a
#            break or continue) replaced by an empty statement
#   swap     the two arguments of a two-argument call swapped
# Comments, strings, character constants and preprocessor lines are left
# alone (in an awk program, # starts a comment).  Each output line holds, separated by the byte 0x1f:
#   file, line, operator, column, length, replacement, original text
# (the text at column..column+length-1 is replaced by the replacement).

BEGIN { SEP = sprintf("%c", 31) }

FNR == 1 { in_comment = 0 }

# The line with comments, strings and character constants blanked out
# (same length, so that columns stay true).  A block comment may span lines.
function mask(s,    out, i, n, c, c2, q) {
	out = ""; n = length(s); i = 1
	while (i <= n) {
		c = substr(s, i, 1); c2 = substr(s, i, 2)
		if (in_comment) {
			if (c2 == "*/") { in_comment = 0; out = out "  "; i += 2; continue }
			out = out " "; i++; continue
		}
		if (c2 == "/*") { in_comment = 1; out = out "  "; i += 2; continue }
		if (c2 == "//" || (c == "#" && FILENAME ~ /\.awk$/)) { while (i <= n) { out = out " "; i++ }; break }
		if (c == "\"" || c == "'") {
			q = c; out = out " "; i++
			while (i <= n) {
				c = substr(s, i, 1)
				if (c == "\\") { out = out "  "; i += 2; continue }
				out = out " "; i++
				if (c == q) break
			}
			continue
		}
		out = out c; i++
	}
	return out
}

function emit(op, col, len, repl) {
	print FILENAME SEP FNR SEP op SEP col SEP len SEP repl SEP substr($0, col, len)
}

function is_word(c) { return c ~ /[A-Za-z0-9_]/ }

{
	m = mask($0)
	if (m ~ /^[ \t]*#/ || m ~ /^[ \t]*$/)
		next
	n = length(m)
	for (i = 1; i <= n; i++) {
		c = substr(m, i, 1); c2 = substr(m, i, 2); c3 = substr(m, i, 3)
		prev = i > 1 ? substr(m, i - 1, 1) : ""
		if (c3 == "<<=" || c3 == ">>=") { i += 2; continue }
		if (c2 == "<=") { emit("cmp", i, 2, "<"); i++; continue }
		if (c2 == ">=") { emit("cmp", i, 2, ">"); i++; continue }
		if (c2 == "==") { emit("cmp", i, 2, "!="); i++; continue }
		if (c2 == "!=") { emit("cmp", i, 2, "=="); i++; continue }
		if (c2 == "&&") { emit("logic", i, 2, "||"); i++; continue }
		if (c2 == "||") { emit("logic", i, 2, "&&"); i++; continue }
		if (c2 == "->" || c2 == "<<" || c2 == ">>" || c2 == "++" || c2 == "--" ||
		    c2 ~ /^[-+*\/%&|^]=$/) { i++; continue }
		if (c == "<") { emit("cmp", i, 1, "<="); continue }
		if (c == ">") { emit("cmp", i, 1, ">="); continue }
		if ((c == "+" || c == "-") && prev == " " && substr(m, i + 1, 1) == " " &&
		    substr(m, 1, i - 2) ~ /[A-Za-z0-9_)\]]$/) {
			emit("arith", i, 1, c == "+" ? "-" : "+"); continue
		}
		if (c ~ /[0-9]/ && !is_word(prev) && prev != ".") {
			j = i
			while (j <= n && substr(m, j, 1) ~ /[0-9]/) j++
			nxt = substr(m, j, 1)
			if (nxt ~ /[xX.eE]/ || (c == "0" && j - i > 1)) { i = j; continue } # hex, float, octal
			v = substr(m, i, j - i) + 0
			emit("const", i, j - i, v == 0 ? "1" : v == 1 ? "0" : v + 1)
			i = j - 1; continue
		}
		if (!is_word(prev) && (substr(m, i, 4) == "true" && !is_word(substr(m, i + 4, 1)))) {
			emit("bool", i, 4, "false"); i += 3; continue
		}
		if (!is_word(prev) && (substr(m, i, 5) == "false" && !is_word(substr(m, i + 5, 1)))) {
			emit("bool", i, 5, "true"); i += 4; continue
		}
	}
	# Whole-line statements: a call, an assignment, break, continue.
	if (match(m, /^[ \t]+/))
		start = RLENGTH + 1
	else
		next # definitions and declarations start at column 1
	body = substr(m, start)
	sub(/[ \t]+$/, "", body)
	first = body; sub(/[^A-Za-z0-9_].*$/, "", first)
	if (first ~ /^(return|if|while|for|switch|do|else|case|default|goto|sizeof)$/)
		first = ""
	opens = gsub(/\(/, "(", body); closes = gsub(/\)/, ")", body)
	if (body == "break;" || body == "continue;")
		emit("drop", start, length(body), ";")
	else if (first != "" && opens == closes && body ~ /;$/ && body !~ /[{}]/ &&
		 (body ~ /^[A-Za-z_][A-Za-z0-9_.>-]*\(.*\);$/ ||
		  body ~ /^\*?[A-Za-z_][A-Za-z0-9_.>\[\]-]*[ \t]*([-+*\/|&]?=)[ \t]*[^= ].*;$/))
		emit("drop", start, length(body), ";")
	# Two-argument calls: the first one on the line.
	if (match(m, /[A-Za-z_][A-Za-z0-9_]*\([^(),]+, [^(),]+\)/)) {
		call = substr(m, RSTART, RLENGTH)
		p = index(call, "(")
		name = substr(call, 1, p - 1)
		if (name !~ /^(if|while|for|switch|return|sizeof)$/) {
			args = substr($0, RSTART + p, RLENGTH - p - 1)
			k = index(substr(m, RSTART + p, RLENGTH - p - 1), ", ")
			a = substr(args, 1, k - 1); b = substr(args, k + 2)
			if (a != b)
				emit("swap", RSTART + p, RLENGTH - p - 1, b ", " a)
		}
	}
}
