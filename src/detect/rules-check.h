/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rules against the schemas of every tracer in the registry (tracers/tracer-info.h), with no BPF:
 * cwatchd loads its rules with this catalog, and rules check validates files offline. */
#pragma once

#include <stdio.h>
#include "engine.h"

/* The events and schemas of every tracer in the registry. */
const struct detect_catalog *detect_registry_catalog(void);

/* Offline validation (cwatchd rules check, cwatchctl rules check): loads files as one set against
 * the registry's schemas, prints "file:line:column: message" for each error to err and a summary
 * to out. Returns 0 when all is well, -EINVAL otherwise. */
int rules_check_files(char *const *files, size_t n_files, FILE *out, FILE *err);
/* The same against another catalog (cwatchd: with the external tracers' events). */
int rules_check_files_catalog(char *const *files, size_t n_files, const struct detect_catalog *catalog, FILE *out,
                              FILE *err);
