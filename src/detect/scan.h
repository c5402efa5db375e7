/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scan detection: a process, or the processes of one container (of one systemd unit on the host),
 * connecting to many distinct (peer address, port) pairs within a short window. A record sink fed
 * by the tcp tracer's records; each connection attempt counts once (the quiet "connect" record of
 * an established connection, or "tcp_failed"), whatever its outcome. One alert per scan.
 *
 * Bounded: fixed tables of subjects and of (subject, address, port) pairs, allocated once; a
 * subject quiet for a window is free for reuse, else the least recently active of its
 * neighbourhood is evicted (counted); pairs belong to their subject's current window and die with
 * it. O(1) per tcp record, one pointer compare for any other record. */
#pragma once

#include <stdint.h>
#include "alert/alert.h"
#include "proctable.h"
#include "shared/macro.h"
#include "sink/record-sink.h"

/* MESSAGE_ID of scan alerts (journal catalog entry "cwatch scan alert"). */
#define CWATCH_MESSAGE_SCAN_ALERT "9048549f1205439e8391b6e2e6669d41"

#define SCAN_RULE_NAME "port-scan"
#define SCAN_MITRE "T1046"

#define SCAN_DEFAULT_THRESHOLD 100
#define SCAN_DEFAULT_WINDOW_NS (UINT64_C(10) * 1000000000)
#define SCAN_THRESHOLD_MIN 2
#define SCAN_THRESHOLD_MAX 1000
#define SCAN_WINDOW_MIN_NS (UINT64_C(1) * 1000000000)
#define SCAN_WINDOW_MAX_NS (UINT64_C(3600) * 1000000000)

/* Table sizes: powers of two. */
#define SCAN_SUBJECTS 4096
#define SCAN_PAIRS 16384

struct scan_limits {
        uint64_t threshold;     /* distinct (address, port) pairs in one window that make a scan; 0: off */
        uint64_t window_ns;     /* a subject's window opens at its first attempt and closes this much later;
                                 * the next opens at its first attempt after that (tumbling, not aligned) */
};

struct scan_stats {
        uint64_t attempts;              /* connection attempts counted */
        uint64_t scans;                 /* alerts raised */
        uint64_t subjects_evicted;      /* active subjects dropped because their neighbourhood was full */
        uint64_t pairs_unplaced;        /* pairs counted without dedup because their neighbourhood was full */
        uint64_t raise_errors;
};

struct scan_detector;

/* Where a scan alert goes (the object is the first peer address, for the pipeline's signature). */
typedef int (*scan_raise_fn)(const struct alert *a, const char *object, void *userdata);

/* tcp_schema: the schema of the records to count (the tcp tracer's); records of any other schema
 * are ignored. procs (optional) fills in the executable, command line and ancestors of alerts. */
int scan_detector_new(struct scan_detector **ret, const struct scan_limits *limits,
                      const struct schema *tcp_schema, const struct proctable *procs, scan_raise_fn raise,
                      void *userdata);
struct scan_detector *scan_detector_free(struct scan_detector *s);
DEFINE_POINTER_CLEANUP(struct scan_detector, scan_detector_free);

/* New limits (a reload): returns -EINVAL, changing nothing, when they are out of range. Windows in
 * progress keep their start; a changed threshold applies from the next record on. */
int scan_detector_set_limits(struct scan_detector *s, const struct scan_limits *limits);
void scan_detector_get_stats(const struct scan_detector *s, struct scan_stats *ret);

/* The sink to give manager_add_record_sink(): quiet records included. */
struct record_sink scan_detector_record_sink(struct scan_detector *s);
int scan_detector_on_record(struct scan_detector *s, const struct record *r);
