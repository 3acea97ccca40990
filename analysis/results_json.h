/*
 * results_json.h - results.json, the one machine-readable file of a run
 * (results_json.c), and the findings as records (findings_json.c).
 *
 * Its shape is the one of every `--format json` document (report.h):
 *   {"environment": {...},
 *    "rows": [{"kind": ..., the row's columns, "figure": {"value", "lo",
 *              "hi", "rounds", "unit", "higher_is_better"}}, ...],
 *    "findings": [{"kind", "title", "subjects", "figures", "verdict",
 *                  "why"}, ...]}
 */
#ifndef IPCLAB_RESULTS_JSON_H
#define IPCLAB_RESULTS_JSON_H

#include <stdio.h>

struct run;

/* The run's environment record as one JSON object (numbers as numbers,
 * "quick" as true or false); `indent` is the indentation of the line the
 * object starts on. */
void results_env_json(const struct run *run, FILE *out, const char *indent);

/* The findings of summary.md as a JSON array of records, read back from
 * the very text run_findings writes, so that the two never differ. */
void findings_json(const struct run *run, FILE *out, const char *indent);

/* The whole of results.json. */
void results_json_write(const struct run *run, FILE *out);

#endif
