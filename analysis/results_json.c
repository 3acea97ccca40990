/*
 * results_json.c - results.json: the environment, every grouped row with
 * the figure it is judged by and that figure's interval, and the findings
 * as records (findings_json.c).  See results_json.h.
 */
#include "results_json.h"

#include <math.h>
#include <string.h>

#include "report.h"
#include "run.h"

void results_env_json(const struct run *run, FILE *out, const char *indent)
{
	fputc('{', out);
	fprintf(out, "\n%s  \"quick\": %s", indent, run_quick(run) ? "true" : "false");
	for (size_t i = 0; i < env_nfields; i++) {
		const struct env_field *f = &env_fields[i];
		const char *v = run_env(run, f->name);
		fprintf(out, ",\n%s  \"%s\": ", indent, f->name);
		if (f->is_number && *v && strspn(v, "-0123456789") == strlen(v) &&
		    strcmp(v, "-"))
			fputs(v, out);
		else if (f->is_number)
			fputs("null", out); /* never read: not a zero */
		else
			report_json_string(out, v);
	}
	fprintf(out, "\n%s}", indent);
}

static void number(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.3f", v);
	else
		fputs("null", out);
}

void results_json_write(const struct run *run, FILE *out)
{
	fputs("{\n  \"environment\": ", out);
	results_env_json(run, out, "  ");
	fputs(",\n  \"rows\": [", out);
	for (size_t i = 0; i < run->nrows; i++) {
		const struct run_row *row = &run->rows[i];
		struct figure f = run_row_figure(row);
		fputs(i ? ",\n    {" : "\n    {", out);
		report_json_fields(out, &row->r);
		fputs(", \"figure\": {\"value\": ", out);
		number(out, f.value);
		fputs(", \"lo\": ", out);
		number(out, f.lo);
		fputs(", \"hi\": ", out);
		number(out, f.hi);
		fprintf(out, ", \"rounds\": %u, \"unit\": ", f.rounds);
		report_json_string(out, f.unit);
		fprintf(out, ", \"higher_is_better\": %s}}", f.higher_is_better ? "true" : "false");
	}
	fputs(run->nrows ? "\n  ],\n  \"findings\": " : "],\n  \"findings\": ", out);
	findings_json(run, out, "  ");
	fputs("\n}\n", out);
	fflush(out);
}
