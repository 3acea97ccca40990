/*
 * findings_json.c - the findings of summary.md as records, for
 * results.json.
 *
 * The records are read back from the text run_findings writes (one bullet
 * a finding, its continuation lines indented), so a record can never say
 * what the summary does not: each is the finding's title, the kind (the
 * title's first words), the transports it names (its subjects), the
 * figures it states with their units, its claim (the verdict) and its
 * "Why:", when it gives one.
 */
#include "results_json.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "run.h"

/* s without markdown's emphasis and code marks, trimmed. */
static void plain(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	for (size_t i = 0; i < len && n + 1 < cap; i++)
		if (s[i] != '*' && s[i] != '`')
			out[n++] = s[i];
	out[n] = '\0';
}

static bool token_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* The transports the text names, as whole words, each once. */
static void subjects(const char *text, FILE *out)
{
	const char *T[64];
	size_t nt = run_transports(T, 64);
	bool any = false;
	fputc('[', out);
	for (size_t i = 0; i < nt; i++) {
		size_t len = strlen(T[i]);
		for (const char *p = strstr(text, T[i]); p; p = strstr(p + 1, T[i])) {
			if ((p > text && token_char(p[-1])) || token_char(p[len]))
				continue;
			fputs(any ? ", " : "", out);
			report_json_string(out, T[i]);
			any = true;
			break;
		}
	}
	fputc(']', out);
}

/* Every number the text states with a unit: {"value": 12.8, "unit": "µs"}. */
static void figures(const char *text, FILE *out)
{
	static const char *const units[] = { "greetings/s", "MB/s", "µs", "ns", "ms", "%", "×",
					     "KiB", "MiB", "GiB" };
	bool any = false;
	fputc('[', out);
	for (const char *p = text; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > text && (token_char(p[-1]) || p[-1] == '.' ||
								  p[-1] == ',')))
			continue;
		char digits[64];
		size_t n = 0;
		const char *q = p;
		for (; (isdigit((unsigned char)*q) || ((*q == ',' || *q == '.') &&
						       isdigit((unsigned char)q[1]))) && n + 1 < sizeof digits;
		     q++)
			if (*q != ',')
				digits[n++] = *q;
		digits[n] = '\0';
		const char *u = *q == ' ' ? q + 1 : q;
		for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
			size_t ul = strlen(units[k]);
			if (strncmp(u, units[k], ul) || (isalpha((unsigned char)units[k][0]) &&
							 token_char(u[ul])))
				continue;
			fprintf(out, "%s{\"value\": %s, \"unit\": ", any ? ", " : "", digits);
			report_json_string(out, units[k]);
			fputc('}', out);
			any = true;
			break;
		}
		p = q - 1;
	}
	fputc(']', out);
}

static void record(const char *text, FILE *out, const char *indent, bool first)
{
	char title[512] = "", kind[128], claim[4096], why[4096] = "";
	const char *body = text;

	if (!strncmp(text, "**", 2)) {
		const char *end = strstr(text + 2, "**");
		if (end) {
			plain(text + 2, (size_t)(end - text - 2), title, sizeof title);
			size_t tl = strlen(title);
			while (tl && (title[tl - 1] == ':' || title[tl - 1] == '.'))
				title[--tl] = '\0';
			body = end + 2;
		}
	}
	size_t kl = strcspn(title, ",(:");
	plain(title, kl, kind, sizeof kind);
	for (char *k = kind; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	const char *w = strstr(body, "Why: ");
	plain(body, w ? (size_t)(w - body) : strlen(body), claim, sizeof claim);
	if (w)
		plain(w + 5, strlen(w + 5), why, sizeof why);

	fprintf(out, "%s\n%s  {\"kind\": ", first ? "" : ",", indent);
	report_json_string(out, kind);
	fputs(", \"title\": ", out);
	report_json_string(out, title);
	fputs(", \"subjects\": ", out);
	subjects(text, out);
	fputs(", \"figures\": ", out);
	figures(text, out);
	fputs(", \"verdict\": ", out);
	report_json_string(out, claim);
	fputs(", \"why\": ", out);
	if (w)
		report_json_string(out, why);
	else
		fputs("null", out);
	fputc('}', out);
}

void findings_json(const struct run *run, FILE *out, const char *indent)
{
	char *text = NULL, *rec = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		fputs("[]", out);
		return;
	}
	run_findings(run, f);
	if (fclose(f) != 0 || !text) {
		free(text);
		fputs("[]", out);
		return;
	}
	fputc('[', out);
	/* A bullet at the margin starts a finding; indented lines go on with it. */
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		bool starts = line && !strncmp(line, "- ", 2);
		bool goes_on = line && rec && !strncmp(line, "  ", 2);
		if (goes_on) {
			char *more = NULL;
			if (asprintf(&more, "%s %s", rec, line + 2) >= 0) {
				free(rec);
				rec = more;
			}
			continue;
		}
		if (rec && (starts || !line || !goes_on)) {
			record(rec, out, indent, n++ == 0);
			free(rec);
			rec = NULL;
		}
		if (!line)
			break;
		if (starts)
			rec = strdup(line + 2);
	}
	free(rec);
	free(text);
	fprintf(out, n ? "\n%s]" : "]", indent);
}
