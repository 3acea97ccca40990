# csv.awk - the result CSV files (bench/report.h) for scripts in plain awk
# (Debian's default awk is mawk: no FPAT, so quoted fields are split here).
#
#   awk -v op=tsv -f bench/csv.awk FILE...
#       the same table tab-separated, quotes removed, for awk -F'\t' and
#       gnuplot; "# key: value" lines are copied unchanged.
#   awk -v op=set -v col=NAME -v value=VALUE -f bench/csv.awk FILE
#       set column NAME of every data row to VALUE (labels rows that
#       `ipclab bench summarize` wrote, e.g. mode or pin).
#
# Fields are RFC 4180: a field holding a comma or a quote is quoted, quotes
# inside doubled.  No field spans lines.

# Split one CSV line into f[1..n]; returns n.
function csv_split(line, f,    n, s, i, v) {
	n = 0
	s = line
	while (1) {
		v = ""
		if (substr(s, 1, 1) == "\"") {
			s = substr(s, 2)
			while (1) {
				i = index(s, "\"")
				if (i == 0) {
					v = v s
					s = ""
					break
				}
				v = v substr(s, 1, i - 1)
				s = substr(s, i + 1)
				if (substr(s, 1, 1) != "\"")
					break
				v = v "\""
				s = substr(s, 2)
			}
			i = index(s, ",")
			s = i ? substr(s, i) : ""
		} else {
			i = index(s, ",")
			if (i == 0) {
				v = s
				s = ""
			} else {
				v = substr(s, 1, i - 1)
				s = substr(s, i)
			}
		}
		f[++n] = v
		if (s == "")
			return n
		s = substr(s, 2) # the comma
		if (s == "") {
			f[++n] = ""
			return n
		}
	}
}

function csv_quote(v) {
	if (v !~ /[",]/)
		return v
	gsub(/"/, "\"\"", v)
	return "\"" v "\""
}

function csv_join(f, n,    i, s) {
	s = csv_quote(f[1])
	for (i = 2; i <= n; i++)
		s = s "," csv_quote(f[i])
	return s
}

/^#/ || !NF { print; next }

op == "tsv" {
	n = csv_split($0, f)
	s = f[1]
	for (i = 2; i <= n; i++) {
		gsub(/\t/, " ", f[i])
		s = s "\t" f[i]
	}
	print s
	next
}

op == "set" {
	n = csv_split($0, f)
	if (f[1] == "kind") {
		for (i = 1; i <= n; i++)
			if (f[i] == col)
				k = i
		if (!k) {
			print "csv.awk: no column named " col > "/dev/stderr"
			exit 2
		}
		print
		next
	}
	if (k)
		f[k] = value
	print csv_join(f, n)
	next
}

{
	print "csv.awk: set op=tsv or op=set" > "/dev/stderr"
	exit 2
}
